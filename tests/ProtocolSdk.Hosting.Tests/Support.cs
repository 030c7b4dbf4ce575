using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace ProtocolSdk.Hosting.Tests;

internal static class Net
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    public static async Task<Socket> ConnectAsync(IPEndPoint server)
    {
        var socket = new Socket(server.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using var cts = new CancellationTokenSource(Timeout);
        await socket.ConnectAsync(server, cts.Token);
        return socket;
    }

    public static async Task<byte[]> ReadExactlyAsync(Socket socket, int count)
    {
        var buffer = new byte[count];
        using var cts = new CancellationTokenSource(Timeout);
        int read = 0;
        while (read < count)
        {
            int n = await socket.ReceiveAsync(buffer.AsMemory(read), SocketFlags.None, cts.Token);
            if (n == 0) throw new EndOfStreamException($"EOF after {read} of {count} bytes");
            read += n;
        }
        return buffer;
    }
}

/// <summary>Writes back every byte.</summary>
public sealed class EchoProtocol : Protocol
{
    public override void DataReceived(ReadOnlySpan<byte> data) => Transport.Write(data);
}

/// <summary>Answers every chunk with "B:" + data, to tell it apart from the echo.</summary>
public sealed class PrefixProtocol : Protocol
{
    public override void DataReceived(ReadOnlySpan<byte> data)
    {
        Transport.Write("B:"u8);
        Transport.Write(data);
    }
}

/// <summary>Throws in DataReceived.</summary>
public sealed class ThrowingProtocol : Protocol
{
    public override void DataReceived(ReadOnlySpan<byte> data) => throw new InvalidOperationException("boom from the protocol");
}

/// <summary>Collects lifecycle events of a test (a DI singleton).</summary>
public sealed class Events
{
    public readonly TaskCompletionSource<DisconnectReason> Lost = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public readonly TaskCompletionSource Made = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public string Greeting { get; init; } = "hi";
}

/// <summary>Needs a DI service: greets with the configured text and reports its lifecycle.</summary>
public sealed class TrackingProtocol(Events events) : Protocol
{
    public override void ConnectionMade()
    {
        Transport.Write(System.Text.Encoding.ASCII.GetBytes(events.Greeting));
        events.Made.TrySetResult();
    }

    public override void ConnectionLost(DisconnectReason reason) => events.Lost.TrySetResult(reason);
}

/// <summary>An ILoggerProvider that records every entry.</summary>
public sealed class RecordingLoggerProvider : ILoggerProvider
{
    public readonly ConcurrentQueue<Entry> Entries = new();
    private readonly TaskCompletionSource<Entry> _firstError = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<Entry> FirstError => _firstError.Task;

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose() { }

    public sealed record Entry(string Category, LogLevel Level, EventId EventId, string Message, Exception? Exception);

    private sealed class Logger(RecordingLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var entry = new Entry(category, logLevel, eventId, formatter(state, exception), exception);
            owner.Entries.Enqueue(entry);
            if (logLevel >= LogLevel.Error) owner._firstError.TrySetResult(entry);
        }
    }
}
