using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace ProtocolSdk.Roslyn;

/// <summary>
/// The CIDR text rules of the runtime's <c>PeerFilterPolicy.TryParseNetwork</c>, re-implemented for the compiler
/// (Roslyn components cannot call the runtime library): an IPv4 network with a prefix of 0..32 or an IPv6 network with
/// 0..128 whose host bits are all zero, or a bare address (a single host). IPv4 must be plain dotted decimal
/// (<c>010.0.0.0</c> would be read as 8.0.0.0), zone ids (<c>%eth0</c>) are refused, and IPv4-mapped IPv6 rules
/// (<c>::ffff:10.0.0.0/104</c>) are accepted: the runtime converts them to their IPv4 network. Shared as source by the
/// generator (which stays silent on invalid text) and the analyzers (PSDK012 reports it).
/// </summary>
internal static class CidrText
{
    /// <summary>True when <paramref name="text"/> is accepted by <c>PeerFilterPolicy</c>; otherwise <paramref name="problem"/> says why.</summary>
    public static bool IsValid(string? text, out string problem)
    {
        problem = string.Empty;
        if (text is null || string.IsNullOrWhiteSpace(text))
        {
            problem = "it is empty";
            return false;
        }
        int slash = text.IndexOf('/');
        string addressText = slash < 0 ? text : text.Substring(0, slash);
        if (addressText.IndexOf('%') >= 0)
        {
            problem = "it has a zone id: a rule matches addresses on every interface, so write the address without '%...'";
            return false;
        }
        if (!IPAddress.TryParse(addressText, out var address) ||
            address.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6))
        {
            problem = slash < 0 ? "it is not an IP address" : "'" + addressText + "' is not an IP address";
            return false;
        }
        if (address.AddressFamily == AddressFamily.InterNetwork && address.ToString() != addressText)
        {
            // IPAddress also reads "010.0.0.0" (octal: 8.0.0.0), "10.1" and "0x0A.0.0.0": refuse what means another network.
            problem = "'" + addressText + "' is not plain dotted-decimal IPv4 (it would read as " + address + "): write four numbers 0..255 without leading zeros";
            return false;
        }
        if (slash < 0) return true;

        string prefixText = text.Substring(slash + 1);
        int bits = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        // Digits only, as IPNetwork.TryParse (NumberStyles.None): no sign, no spaces.
        if (prefixText.Length == 0 || !int.TryParse(prefixText, NumberStyles.None, CultureInfo.InvariantCulture, out int prefix) || prefix > bits)
        {
            problem = "the prefix length '" + prefixText + "' is not in 0.." + bits.ToString(CultureInfo.InvariantCulture);
            return false;
        }
        byte[] bytes = address.GetAddressBytes();
        for (int bit = prefix; bit < bits; bit++)
        {
            if ((bytes[bit / 8] & (0x80 >> (bit % 8))) != 0)
            {
                problem = "host bits are set after the /" + prefix.ToString(CultureInfo.InvariantCulture) + " prefix (did you mean " + Masked(bytes, prefix) + "?)";
                return false;
            }
        }
        return true;
    }

    private static string Masked(byte[] bytes, int prefix)
    {
        var masked = (byte[])bytes.Clone();
        for (int bit = prefix; bit < masked.Length * 8; bit++) masked[bit / 8] &= (byte)~(0x80 >> (bit % 8));
        return new IPAddress(masked).ToString() + "/" + prefix.ToString(CultureInfo.InvariantCulture);
    }
}
