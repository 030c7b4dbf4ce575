using System;
using System.ComponentModel;
using System.Text;
using System.Threading;
using Microsoft.Extensions.Logging;

namespace ProtocolSdk.Policies;

/// <summary>
/// The configuration of a <c>[LogTraffic]</c>, held in a static field of the generated code. Entries read like
/// Twisted's TrafficLoggingProtocol: <c>C 3: ...</c> for received, <c>S 3: ...</c> for sent data, where 3 numbers the
/// connection. Each entry costs one <see cref="ILogger.IsEnabled"/> check when the level is off.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public sealed class LogTrafficPolicy
{
    private long _nextNumber;

    /// <summary>Creates the policy for the given logger category (the protocol's full type name).</summary>
    public LogTrafficPolicy(string category, int lengthLimit, LogLevel level = LogLevel.Information)
    {
        ArgumentException.ThrowIfNullOrEmpty(category);
        if (lengthLimit <= 0) throw new ArgumentOutOfRangeException(nameof(lengthLimit), lengthLimit, "Must be positive.");
        Category = category;
        LengthLimit = lengthLimit;
        Level = level;
    }

    /// <summary>Logger category.</summary>
    public string Category { get; }

    /// <summary>Bytes shown per chunk.</summary>
    public int LengthLimit { get; }

    /// <summary>Level of the entries.</summary>
    public LogLevel Level { get; }

    /// <summary>Starts logging a connection: logs it was made and returns its session.</summary>
    public LogTrafficSession Start(Transport transport)
    {
        ArgumentNullException.ThrowIfNull(transport);
        var logger = transport.Host.GetSharedState(this, static (policy, host) => host.LoggerFactory.CreateLogger(policy.Category));
        var session = new LogTrafficSession(this, logger, Interlocked.Increment(ref _nextNumber));
        if (logger.IsEnabled(Level))
        {
            logger.Log(Level, "{Number}: connection made from {Remote} to {Local}", session.Number, transport.RemoteEndPoint, transport.LocalEndPoint);
        }
        return session;
    }

    /// <summary>Renders bytes like a Python bytes literal, elided after <see cref="LengthLimit"/> bytes.</summary>
    public string Format(ReadOnlySpan<byte> data)
    {
        var text = new StringBuilder(Math.Min(data.Length, LengthLimit) + 32);
        int shown = Math.Min(data.Length, LengthLimit);
        foreach (byte b in data[..shown])
        {
            switch (b)
            {
                case (byte)'\r': text.Append("\\r"); break;
                case (byte)'\n': text.Append("\\n"); break;
                case (byte)'\t': text.Append("\\t"); break;
                case (byte)'\\': text.Append("\\\\"); break;
                case >= 0x20 and < 0x7f: text.Append((char)b); break;
                default: text.Append("\\x").Append(b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture)); break;
            }
        }
        if (data.Length > shown)
        {
            text.Append("... (").Append(data.Length).Append(" bytes)");
        }
        return text.ToString();
    }
}

/// <summary>A connection's traffic log, kept in a field of the generated code.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct LogTrafficSession
{
    private readonly LogTrafficPolicy? _policy;
    private readonly ILogger? _logger;

    internal LogTrafficSession(LogTrafficPolicy policy, ILogger logger, long number)
    {
        _policy = policy;
        _logger = logger;
        Number = number;
    }

    /// <summary>The connection's number in the log.</summary>
    public long Number { get; }

    /// <summary>Logs a received chunk as <c>C n: ...</c>.</summary>
    public void Received(ReadOnlySpan<byte> data)
    {
        if (_logger is null || !_logger.IsEnabled(_policy!.Level)) return;
        _logger.Log(_policy.Level, "C {Number}: {Data}", Number, _policy.Format(data));
    }

    /// <summary>Logs a sent chunk as <c>S n: ...</c>.</summary>
    public void Sent(ReadOnlySpan<byte> data)
    {
        if (_logger is null || !_logger.IsEnabled(_policy!.Level)) return;
        _logger.Log(_policy.Level, "S {Number}: {Data}", Number, _policy.Format(data));
    }

    /// <summary>Logs the close.</summary>
    public void Lost(DisconnectReason reason)
    {
        if (_logger is null || !_logger.IsEnabled(_policy!.Level)) return;
        _logger.Log(_policy.Level, "{Number}: connection lost: {Reason}", Number, reason.ToString());
    }
}
