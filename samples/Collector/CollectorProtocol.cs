using System;

namespace ProtocolSdk.Samples.Collector;

/// <summary>
/// Receives length-prefixed binary records (4-byte big-endian length, at most 64 KiB each) and counts them per
/// client. <c>[Throttle]</c> caps each connection's inbound rate at 1 MB/s, so one fast client cannot starve the
/// others: when its budget is spent the server stops reading and TCP backpressure slows the client down.
/// </summary>
[LengthPrefixFraming(PrefixBytes = 4, MaxLength = 64 * 1024)]
[Throttle(ReadBytesPerSecond = 1_000_000)]
[Timeout(120)]
public sealed partial class CollectorProtocol : Protocol
{
    private readonly CollectorStats _stats;
    private ClientStats? _client;

    public CollectorProtocol(CollectorStats stats) => _stats = stats;

    public override void ConnectionMade()
    {
        _client = _stats.For(Transport.RemoteEndPoint.Address.ToString());
        _client.Opened();
    }

    public override void MessageReceived(ReadOnlySpan<byte> message)
    {
        SampleMetrics.MessageHandled();
        _client!.Add(message.Length);
    }

    public override void ConnectionLost(DisconnectReason reason) => _client?.Closed();
}

/// <summary>The load-generating client: sends records as fast as the connection (and the server's throttle) allows.</summary>
[LengthPrefixFraming(PrefixBytes = 4, MaxLength = 64 * 1024)]
public sealed partial class RecordSender : Protocol, IPushProducer
{
    private readonly byte[] _record;
    private bool _paused;

    public RecordSender(int recordSize)
    {
        _record = new byte[recordSize];
        new Random(recordSize).NextBytes(_record);
    }

    public long Sent { get; private set; }

    /// <summary>The collector sends nothing back; a framed reply would be ignored.</summary>
    public override void MessageReceived(ReadOnlySpan<byte> message) { }

    public override void ConnectionMade()
    {
        Transport.RegisterProducer(this);
        Produce();
    }

    public void PauseProducing() => _paused = true;

    public void ResumeProducing()
    {
        _paused = false;
        Produce();
    }

    public void StopProducing() => _paused = true;

    private void Produce()
    {
        // Write until the output buffer passes the high-water mark; the transport then pauses us.
        while (!_paused && IsConnected && !Transport.IsClosing)
        {
            SendMessage(_record);
            Sent++;
        }
    }
}
