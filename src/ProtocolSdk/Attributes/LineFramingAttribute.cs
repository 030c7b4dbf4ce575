using System;

namespace ProtocolSdk;

/// <summary>
/// Splits the byte stream into lines and delivers each (without its delimiter) to
/// <see cref="Protocol.MessageReceived"/> (Twisted's <c>LineReceiver</c> with <c>MAX_LENGTH</c>). The generator also
/// adds <c>SendMessage(ReadOnlySpan&lt;byte&gt;)</c>, which writes a line followed by the delimiter.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class LineFramingAttribute : Attribute
{
    /// <summary>Longest line accepted, delimiter excluded; default 16384 (Twisted's MAX_LENGTH).</summary>
    public int MaxLength { get; set; } = 16384;

    /// <summary>Line delimiter (its characters must be in the range 0..255, taken as bytes); default <c>"\r\n"</c>.</summary>
    public string Delimiter { get; set; } = "\r\n";
}
