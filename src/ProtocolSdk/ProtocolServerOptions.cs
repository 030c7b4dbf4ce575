using System;
using Microsoft.Extensions.Logging;

namespace ProtocolSdk;

/// <summary>Settings of a <see cref="ProtocolServer"/> or a client connection. Every setting has a working default.</summary>
public sealed class ProtocolServerOptions
{
    /// <summary>The clock for timeouts and throttles; <see cref="TimeProvider.System"/> by default.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Where callback errors and traffic logs go; none by default.</summary>
    public ILoggerFactory? LoggerFactory { get; set; }

    /// <summary>Pending-connection queue length passed to listen(); default 512.</summary>
    public int Backlog { get; set; } = 512;

    /// <summary>Receive buffer size in bytes (rented only while data is being read); default 16 KiB.</summary>
    public int ReceiveBufferSize { get; set; } = 16 * 1024;

    /// <summary>Buffered-output size that pauses the producer (or reading); default 64 KiB.</summary>
    public int HighWaterMark { get; set; } = Transport.DefaultHighWaterMark;

    /// <summary>Buffered-output size at which it resumes; default 16 KiB.</summary>
    public int LowWaterMark { get; set; } = Transport.DefaultLowWaterMark;

    internal void Validate()
    {
        if (TimeProvider is null) throw new ArgumentException("TimeProvider must not be null.", nameof(TimeProvider));
        if (Backlog <= 0) throw new ArgumentOutOfRangeException(nameof(Backlog), Backlog, "Backlog must be positive.");
        if (ReceiveBufferSize < 256) throw new ArgumentOutOfRangeException(nameof(ReceiveBufferSize), ReceiveBufferSize, "ReceiveBufferSize must be at least 256 bytes.");
        if (HighWaterMark <= 0) throw new ArgumentOutOfRangeException(nameof(HighWaterMark), HighWaterMark, "HighWaterMark must be positive.");
        if (LowWaterMark < 0 || LowWaterMark > HighWaterMark)
            throw new ArgumentOutOfRangeException(nameof(LowWaterMark), LowWaterMark, "LowWaterMark must be between 0 and HighWaterMark.");
    }
}
