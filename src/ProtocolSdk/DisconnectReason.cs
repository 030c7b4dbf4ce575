using System;

namespace ProtocolSdk;

/// <summary>What ended a connection.</summary>
public enum DisconnectKind
{
    /// <summary>The peer closed its side cleanly (end of stream), also when the protocol then closed after a half-close.</summary>
    PeerClosed,
    /// <summary><see cref="Transport.LoseConnection"/> flushed pending output and closed the connection (FIN, then linger).</summary>
    LocalClosed,
    /// <summary><see cref="Transport.Abort()"/> closed the connection at once, dropping pending output.</summary>
    Aborted,
    /// <summary>The connection failed at the socket level (reset by the peer, network error).</summary>
    ConnectionError,
    /// <summary>The idle timeout expired, or a graceful close could not flush its output within <see cref="ProtocolServerOptions.LingerTimeout"/>.</summary>
    TimedOut,
    /// <summary>A protocol callback threw; <see cref="DisconnectReason.Exception"/> holds the exception.</summary>
    CallbackError,
    /// <summary>The server was disposed while the connection was open (closed gracefully, or aborted after <see cref="ProtocolServerOptions.ShutdownTimeout"/>).</summary>
    ServerShutdown,
    /// <summary>A policy closed the connection, or its queued output passed <see cref="ProtocolServerOptions.MaxBufferedBytes"/> (see <see cref="DisconnectReason.Message"/>).</summary>
    PolicyViolation,
}

/// <summary>
/// Why a connection ended: passed to <see cref="Protocol.ConnectionLost"/>. A value type, so reporting a
/// disconnect allocates nothing unless it carries an exception.
/// </summary>
public readonly struct DisconnectReason : IEquatable<DisconnectReason>
{
    /// <summary>Creates a reason.</summary>
    public DisconnectReason(DisconnectKind kind, Exception? exception = null, string? message = null)
    {
        Kind = kind;
        Exception = exception;
        Message = message;
    }

    /// <summary>The kind of disconnect.</summary>
    public DisconnectKind Kind { get; }

    /// <summary>The exception that caused it, if any (a callback's exception, a socket error).</summary>
    public Exception? Exception { get; }

    /// <summary>A human-readable detail, if any (e.g. which policy closed the connection).</summary>
    public string? Message { get; }

    /// <summary>True when the connection ended without error: closed by the peer or by <see cref="Transport.LoseConnection"/>.</summary>
    public bool IsClean => Kind is DisconnectKind.PeerClosed or DisconnectKind.LocalClosed;

    /// <summary>The peer closed its side cleanly.</summary>
    public static DisconnectReason PeerClosed => new(DisconnectKind.PeerClosed);

    /// <summary>Closed locally after flushing.</summary>
    public static DisconnectReason LocalClosed => new(DisconnectKind.LocalClosed);

    /// <summary>Aborted locally.</summary>
    public static DisconnectReason Aborted => new(DisconnectKind.Aborted);

    /// <summary>The idle timeout expired.</summary>
    public static DisconnectReason TimedOut => new(DisconnectKind.TimedOut);

    /// <summary>The server shut down.</summary>
    public static DisconnectReason ServerShutdown => new(DisconnectKind.ServerShutdown);

    /// <summary>A policy closed the connection for the given reason.</summary>
    public static DisconnectReason Policy(string message) => new(DisconnectKind.PolicyViolation, message: message);

    /// <inheritdoc />
    public bool Equals(DisconnectReason other) =>
        Kind == other.Kind && ReferenceEquals(Exception, other.Exception) && string.Equals(Message, other.Message, StringComparison.Ordinal);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is DisconnectReason other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Kind, Exception, Message);

    /// <summary>Equality.</summary>
    public static bool operator ==(DisconnectReason left, DisconnectReason right) => left.Equals(right);

    /// <summary>Inequality.</summary>
    public static bool operator !=(DisconnectReason left, DisconnectReason right) => !left.Equals(right);

    /// <inheritdoc />
    public override string ToString() =>
        Exception is not null ? $"{Kind}: {Exception.GetType().Name}: {Exception.Message}"
        : Message is not null ? $"{Kind}: {Message}"
        : Kind.ToString();
}
