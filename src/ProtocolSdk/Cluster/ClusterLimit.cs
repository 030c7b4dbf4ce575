namespace ProtocolSdk;

/// <summary>One connection limit for <see cref="IClusterStore.TryAcquireSlotsAsync"/>: at most <see cref="Limit"/> slots under <see cref="Key"/>.</summary>
/// <param name="Key">The counter's name within its policy, such as <c>total</c> or <c>peer:10.0.0.7</c>.</param>
/// <param name="Limit">How many slots the key may hold across the cluster (positive).</param>
public readonly record struct ClusterLimit(string Key, int Limit);
