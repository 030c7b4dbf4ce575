using System.ComponentModel;

namespace ProtocolSdk.Policies;

/// <summary>
/// Implemented by the generated code of a protocol that declares a ClusterWide policy: <c>ListenTcpAsync</c> checks it
/// to fail at start-up, with a clear message, when <see cref="ProtocolServerOptions.ClusterStore"/> is not set.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface IClusterWideProtocol
{
}
