namespace ProtocolSdk;

/// <summary>
/// The defaults and limits of every policy attribute argument, in one place. Compiled into the runtime (the attribute
/// property initializers read them) and, as linked source, into the generator and the analyzers (which read the same
/// constants), so a default is never re-typed. Plain constants only: this file must also compile for netstandard2.0.
/// </summary>
internal static class PolicyDefaults
{
    /// <summary>IPv6 prefix that counts as one peer for per-peer limits: one host often holds a whole /64. 128 = the whole address.</summary>
    public const int IPv6PrefixLength = 64;

    /// <summary>Longest IPv6 prefix (the whole address).</summary>
    public const int MaxIPv6PrefixLength = 128;

    /// <summary><c>ThrottleScope.PerConnection</c>.</summary>
    public const int ThrottleScope = 0;

    /// <summary>Highest defined <c>ThrottleScope</c> value (<c>AllConnections</c>).</summary>
    public const int MaxThrottleScope = 2;

    /// <summary>Bytes of each chunk [LogTraffic] shows.</summary>
    public const int LogTrafficLengthLimit = 64;

    /// <summary><c>LogLevel.Information</c>.</summary>
    public const int LogTrafficLevel = 2;

    /// <summary>Highest defined <c>LogLevel</c> value (<c>None</c>).</summary>
    public const int MaxLogLevel = 6;

    /// <summary>Longest line [LineFraming] accepts (Twisted's MAX_LENGTH).</summary>
    public const int LineFramingMaxLength = 16384;

    /// <summary>Null: accept "\n" or "\r\n" (one trailing '\r' stripped); SendMessage writes "\r\n".</summary>
    public const string? LineFramingDelimiter = null;

    /// <summary>Size of the [LengthPrefixFraming] length prefix in bytes.</summary>
    public const int LengthPrefixBytes = 4;

    /// <summary>Largest [LengthPrefixFraming] payload: 1 MiB.</summary>
    public const int LengthPrefixMaxLength = 1024 * 1024;

    /// <summary>Network byte order, as Twisted.</summary>
    public const bool LengthPrefixBigEndian = true;

    /// <summary>[MinDataRate] grace period and window, in seconds.</summary>
    public const double MinDataRateGraceSeconds = 5;

    /// <summary>Shortest [MinDataRate] grace period in seconds (shorter cannot be measured by its 250 ms sampling in any useful way).</summary>
    public const double MinGraceSeconds = 0.001;

    /// <summary>Longest period Protocol.SetTimeout accepts, and the longest [MinDataRate] grace period: 365 days in seconds.</summary>
    public const double MaxPeriodSeconds = 365 * 24 * 3600.0;
}
