using System;
using System.ComponentModel;

namespace ProtocolSdk;

/// <summary>
/// The answer of a protocol's admission policies for a new connection (see <see cref="Protocol.OnPolicyAdmit"/>):
/// accept it, reject it (closed at once, no <see cref="Protocol.ConnectionMade"/>), or hand it to an overflow protocol.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public readonly struct ConnectionAdmission
{
    private ConnectionAdmission(AdmissionDecision decision, string? reason, Protocol? overflow)
    {
        Decision = decision;
        Reason = reason;
        OverflowProtocol = overflow;
    }

    /// <summary>What to do with the connection.</summary>
    public AdmissionDecision Decision { get; }

    /// <summary>Why it was rejected or sent to overflow (for logs and metrics).</summary>
    public string? Reason { get; }

    /// <summary>The protocol that serves the connection instead, for <see cref="AdmissionDecision.Overflow"/>.</summary>
    public Protocol? OverflowProtocol { get; }

    /// <summary>Serve the connection with this protocol.</summary>
    public static ConnectionAdmission Accept => default;

    /// <summary>Close the connection at once.</summary>
    public static ConnectionAdmission Reject(string reason) => new(AdmissionDecision.Reject, reason, null);

    /// <summary>Serve the connection with <paramref name="overflow"/> instead.</summary>
    public static ConnectionAdmission Overflow(Protocol overflow, string reason) =>
        new(AdmissionDecision.Overflow, reason, overflow ?? throw new ArgumentNullException(nameof(overflow)));
}

/// <summary>Admission outcomes.</summary>
public enum AdmissionDecision
{
    /// <summary>Serve the connection.</summary>
    Accept,
    /// <summary>Close it without calling any protocol callback.</summary>
    Reject,
    /// <summary>Serve it with the overflow protocol.</summary>
    Overflow,
}
