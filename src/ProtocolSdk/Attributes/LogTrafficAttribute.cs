using System;
using Microsoft.Extensions.Logging;

namespace ProtocolSdk;

/// <summary>
/// Logs connection made, each chunk received (<c>C n: ...</c>) and sent (<c>S n: ...</c>) and the close, through
/// <see cref="ILogger"/> with the protocol type as category (Twisted's TrafficLoggingFactory). Costs one
/// level check per event when the level is off.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class LogTrafficAttribute : Attribute
{
    /// <summary>Bytes of each chunk shown before the rest is elided; default 64.</summary>
    public int LengthLimit { get; set; } = PolicyDefaults.LogTrafficLengthLimit;

    /// <summary>Log level of traffic entries; default <see cref="LogLevel.Information"/>. Values outside the defined levels are an error (PSDK003).</summary>
    public LogLevel Level { get; set; } = (LogLevel)PolicyDefaults.LogTrafficLevel;
}
