using System;

namespace ProtocolSdk.Policies;

/// <summary>
/// A user-defined policy, applied with <see cref="UsePolicyAttribute"/>. Implement it on a <c>struct</c>: the
/// generated code keeps one instance per connection in a field and calls these methods directly (constrained
/// calls on a struct field: no boxing, no virtual dispatch), at the same points as the built-in policies.
/// Callbacks run serialised with the protocol's callbacks, except <see cref="OnDataWritten"/>, which runs on the
/// writer's thread.
/// </summary>
public interface IConnectionPolicy
{
    /// <summary>Admission: return <see cref="ConnectionAdmission.Accept"/> or reject. The transport is not attached to the protocol yet.</summary>
    ConnectionAdmission OnAdmit(Transport transport);

    /// <summary>The connection is made; runs before the protocol's ConnectionMade.</summary>
    void OnConnectionMade(Protocol protocol, Transport transport);

    /// <summary>A chunk arrived; runs before the protocol's DataReceived.</summary>
    void OnDataReceived(Protocol protocol, ReadOnlySpan<byte> data);

    /// <summary>The protocol wrote a chunk (on the writer's thread).</summary>
    void OnDataWritten(Protocol protocol, ReadOnlySpan<byte> data);

    /// <summary>The connection closed; runs before the protocol's ConnectionLost.</summary>
    void OnConnectionLost(Protocol protocol, DisconnectReason reason);
}
