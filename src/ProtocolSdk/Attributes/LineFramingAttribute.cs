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
    public int MaxLength { get; set; } = PolicyDefaults.LineFramingMaxLength;

    /// <summary>
    /// Line delimiter. Null (default): a line ends at <c>"\n"</c> or <c>"\r\n"</c> (one trailing <c>'\r'</c> is stripped, as
    /// Twisted's LineOnlyReceiver-style peers and telnet clients mix them) and <c>SendMessage</c> writes <c>"\r\n"</c>.
    /// An explicit delimiter is matched exactly and written as is; its characters must be in the range 0..255 (taken as
    /// bytes) and it must not be empty (PSDK016).
    /// </summary>
    public string? Delimiter { get; set; } = PolicyDefaults.LineFramingDelimiter;
}
