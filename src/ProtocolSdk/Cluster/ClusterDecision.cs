namespace ProtocolSdk;

/// <summary>What an <see cref="IClusterStore"/> answered.</summary>
public enum ClusterDecision
{
    /// <summary>Granted by the shared store (or, in its fail-open mode, granted without it).</summary>
    Granted,
    /// <summary>Refused: a shared limit is full (or, in its fail-closed mode, the store could not be asked).</summary>
    Refused,
    /// <summary>The store could not answer and falls back to the per-instance limit (its default, fail-local mode).</summary>
    UseLocal,
}
