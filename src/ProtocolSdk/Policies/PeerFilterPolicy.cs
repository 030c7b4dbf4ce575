using System;
using System.ComponentModel;
using System.Net;

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

    /// <summary>True when <paramref name="text"/> is CIDR text this policy accepts: a network with zero host bits, or a bare address (a single host).</summary>
    public static bool TryParseNetwork(string text, out IPNetwork network)
    {
        network = default;
        if (string.IsNullOrWhiteSpace(text)) return false;
        int slash = text.IndexOf('/');
        if (slash >= 0)
        {
            // Host bits must be zero ("10.0.0.1/8" is almost certainly a mistake, so it is refused, not masked).
            return IPNetwork.TryParse(text, out network)
                && IPAddress.TryParse(text.AsSpan(0, slash), out var written)
                && written.Equals(network.BaseAddress);
        }
        if (IPAddress.TryParse(text, out var single))
        {
            network = new IPNetwork(single, single.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128);
            return true;
        }
        return false;
    }

    private static IPNetwork[] Parse(string[] entries, string list)
    {
        var networks = new IPNetwork[entries.Length];
        for (int i = 0; i < entries.Length; i++)
        {
            if (!TryParseNetwork(entries[i], out networks[i]))
            {
                throw new FormatException($"'{entries[i]}' in the {list} list is not valid CIDR text (expected e.g. 10.0.0.0/8 or ::1/128).");
            }
        }
        return networks;
    }
}
