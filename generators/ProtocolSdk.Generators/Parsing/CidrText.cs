using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace ProtocolSdk.Roslyn;

/// <summary>
/// The CIDR text rules of the runtime's <c>PeerFilterPolicy.TryParseNetwork</c>, re-implemented for the compiler
/// (Roslyn components cannot call the runtime library): an IPv4 network with a prefix of 0..32 or an IPv6 network with
/// 0..128 whose host bits are all zero, or a bare address (a single host). Shared as source by the generator (which
/// stays silent on invalid text) and the analyzers (PSDK012 reports it).
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
        if (slash < 0)
        {
            if (IPAddress.TryParse(text, out _)) return true;
            problem = "it is not an IP address";
            return false;
        }

        string addressText = text.Substring(0, slash);
        string prefixText = text.Substring(slash + 1);
        if (!IPAddress.TryParse(addressText, out var address) ||
            address.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6))
        {
            problem = "'" + addressText + "' is not an IP address";
            return false;
        }
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
