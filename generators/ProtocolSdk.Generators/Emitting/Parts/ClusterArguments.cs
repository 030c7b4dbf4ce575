namespace ProtocolSdk.Generators.Emitting.Parts;

/// <summary>What a ClusterWide policy adds to its configuration and to the class (shared by the parts that can be ClusterWide).</summary>
internal static class ClusterArguments
{
    /// <summary>The marker the runtime checks at <c>ListenTcpAsync</c>: the protocol needs a cluster store.</summary>
    public const string Marker = "global::ProtocolSdk.Policies.IClusterWideProtocol";

    /// <summary>The constructor arguments after the others (nothing when the policy is not ClusterWide).</summary>
    public static string For(string? clusterName) =>
        clusterName is null ? "" : ", clusterWide: true, clusterName: " + Literals.String(clusterName);

    public static string? Interface(string? clusterName) => clusterName is null ? null : Marker;
}
