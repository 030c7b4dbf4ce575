using System.Diagnostics.Metrics;

namespace ProtocolSdk.Samples;

/// <summary>
/// The samples' own instrument: messages handled (a line, a record, a command). The SDK meters bytes and connections,
/// but what counts as a message is the protocol's business, so each sample counts its own, on its own meter.
/// </summary>
internal static class SampleMetrics
{
    public const string MeterName = "ProtocolSdk.Samples";

    private static readonly Meter Meter = new(MeterName, "1.0");

    private static readonly Counter<long> Messages =
        Meter.CreateCounter<long>("protocolsdk.samples.messages", "{message}", "Messages handled by a sample's protocol.");

    /// <summary>Counts one message; a no-op while nothing listens, and never allocates.</summary>
    public static void MessageHandled() => Messages.Add(1);
}
