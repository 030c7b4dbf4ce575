namespace ProtocolSdk;

/// <summary>What an <see cref="IClusterStore"/> answers while it cannot reach its shared state.</summary>
public enum ClusterFailureMode
{
    /// <summary>Fall back to the per-instance limit (<see cref="ClusterDecision.UseLocal"/>). The default.</summary>
    FailLocal = 0,
    /// <summary>Grant: no shared limit applies while the store is down (the per-instance limit still does).</summary>
    FailOpen = 1,
    /// <summary>Refuse: no new connection and no throttled byte while the store is down.</summary>
    FailClosed = 2,
}
