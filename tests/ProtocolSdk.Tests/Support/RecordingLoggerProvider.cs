using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace ProtocolSdk.Tests.Support;

/// <summary>
/// Keeps every log entry (formatted), for assertions on what was logged. Both a provider and a factory, so it can be
/// passed wherever the SDK takes an <see cref="ILoggerFactory"/> (ProtocolServerOptions, ProtocolTestHost).
/// </summary>
public sealed class RecordingLoggerProvider : ILoggerProvider, ILoggerFactory
{
    public sealed record Entry(string Category, LogLevel Level, string Message, Exception? Exception);

    public readonly ConcurrentQueue<Entry> Entries = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void AddProvider(ILoggerProvider provider) { }

    public void Dispose() { }

    /// <summary>The messages logged under <paramref name="category"/>, in order.</summary>
    public IEnumerable<string> Messages(string category) => Entries.Where(e => e.Category == category).Select(e => e.Message);

    private sealed class Logger(RecordingLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner.Entries.Enqueue(new Entry(category, logLevel, formatter(state, exception), exception));
    }
}
