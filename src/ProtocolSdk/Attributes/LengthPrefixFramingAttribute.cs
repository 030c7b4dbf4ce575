using System;

namespace ProtocolSdk;

/// <summary>
/// Splits the byte stream into frames preceded by their length and delivers each payload to
/// <see cref="Protocol.MessageReceived"/> (Twisted's <c>Int8/16/32StringReceiver</c>). The generator also adds
/// <c>SendMessage(ReadOnlySpan&lt;byte&gt;)</c>, which writes the prefix and the payload.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class LengthPrefixFramingAttribute : Attribute
{
    /// <summary>Size of the length prefix: 1, 2 or 4 bytes; default 4.</summary>
    public int PrefixBytes { get; set; } = PolicyDefaults.LengthPrefixBytes;

    /// <summary>Largest payload accepted; default 1 MiB. A larger announced length calls <c>MessageTooLong</c> before any payload is buffered.</summary>
    public int MaxLength { get; set; } = PolicyDefaults.LengthPrefixMaxLength;

    /// <summary>Byte order of the prefix; default big-endian (network order, as Twisted).</summary>
    public bool BigEndian { get; set; } = PolicyDefaults.LengthPrefixBigEndian;
}
