using System;
using System.ComponentModel;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace ProtocolSdk.Policies;

/// <summary>
/// The configuration of a <c>[PeerFilter]</c>, held in a static field of the generated code; checked first in admission.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public sealed class PeerFilterPolicy
{
    private readonly IPNetwork[] _allow;
    private readonly IPNetwork[] _deny;

    /// <summary>Parses the lists.</summary>
    /// <exception cref="FormatException">An entry is not valid CIDR text (the analyzer reports this at compile time).</exception>
    public PeerFilterPolicy(string[] allow, string[] deny)
    {
        _allow = Parse(allow ?? Array.Empty<string>(), nameof(allow));
        _deny = Parse(deny ?? Array.Empty<string>(), nameof(deny));
    }

    /// <summary>True when <paramref name="address"/> may connect.</summary>
    public bool IsAllowed(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        foreach (var network in _deny)
        {
            if (network.Contains(address)) return false;
        }
        if (_allow.Length == 0) return true;
        foreach (var network in _allow)
        {
            if (network.Contains(address)) return true;
        }
        return false;
    }

    /// <summary>Admission step: rejects peers the lists refuse.</summary>
    public ConnectionAdmission Admit(Transport transport) =>
        IsAllowed(transport.RemoteEndPoint.Address) ? ConnectionAdmission.Accept : ConnectionAdmission.Reject("peer filter");

    /// <summary>
    /// True when <paramref name="text"/> is CIDR text this policy accepts: a network with zero host bits, or a bare
    /// address (a single host). IPv4 must be plain dotted decimal (<c>010.0.0.0</c>, <c>10.1</c> and <c>0x0A.0.0.0</c> are
    /// refused: the BCL would read them as other networks); zone ids (<c>fe80::1%eth0</c>) are refused (a rule matches
    /// addresses on every interface); an IPv4-mapped IPv6 rule (<c>::ffff:10.0.0.0/104</c>) is converted to its IPv4
    /// network (<c>10.0.0.0/8</c>), since mapped peers are checked as IPv4. The analyzer (PSDK012) applies the same rules.
    /// </summary>
    public static bool TryParseNetwork(string text, out IPNetwork network) => TryParseNetwork(text, out network, out _);

    internal static bool TryParseNetwork(string? text, out IPNetwork network, out string problem)
    {
        network = default;
        problem = string.Empty;
        if (string.IsNullOrWhiteSpace(text))
        {
            problem = "it is empty";
            return false;
        }
        int slash = text.IndexOf('/');
        string addressText = slash < 0 ? text : text[..slash];
        if (addressText.Contains('%'))
        {
            problem = "it has a zone id: a rule matches addresses on every interface, so write the address without '%...'";
            return false;
        }
        if (!IPAddress.TryParse(addressText, out var address) ||
            address.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6))
        {
            problem = "'" + addressText + "' is not an IP address";
            return false;
        }
        if (address.AddressFamily == AddressFamily.InterNetwork && address.ToString() != addressText)
        {
            problem = "'" + addressText + "' is not plain dotted-decimal IPv4 (it would read as " + address + "): write four numbers 0..255 without leading zeros";
            return false;
        }
        int bits = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        int prefix = bits;
        if (slash >= 0)
        {
            // Digits only: no sign, no spaces.
            string prefixText = text[(slash + 1)..];
            if (prefixText.Length == 0 || !int.TryParse(prefixText, NumberStyles.None, CultureInfo.InvariantCulture, out prefix) || prefix > bits)
            {
                problem = "the prefix length '" + prefixText + "' is not in 0.." + bits.ToString(CultureInfo.InvariantCulture);
                return false;
            }
        }
        // Host bits must be zero ("10.0.0.1/8" is almost certainly a mistake, so it is refused, not masked).
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out int length);
        for (int bit = prefix; bit < length * 8; bit++)
        {
            if ((bytes[bit / 8] & (0x80 >> (bit % 8))) != 0)
            {
                problem = "host bits are set after the /" + prefix.ToString(CultureInfo.InvariantCulture) + " prefix";
                return false;
            }
        }
        // A mapped network has zero host bits only with a prefix of 96 or more (bits 80..95 are ones).
        network = address.IsIPv4MappedToIPv6
            ? new IPNetwork(address.MapToIPv4(), prefix - 96)
            : new IPNetwork(address, prefix);
        return true;
    }

    private static IPNetwork[] Parse(string[] entries, string list)
    {
        var networks = new IPNetwork[entries.Length];
        for (int i = 0; i < entries.Length; i++)
        {
            if (!TryParseNetwork(entries[i], out networks[i], out string problem))
            {
                throw new FormatException($"'{entries[i]}' in the {list} list is not valid CIDR text: {problem} (expected e.g. 10.0.0.0/8 or ::1/128).");
            }
        }
        return networks;
    }
}
