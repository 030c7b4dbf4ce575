using System.Buffers.Binary;
using ProtocolSdk.Framing;
using ProtocolSdk.Testing;

namespace ProtocolSdk.Tests.Framing;

public class LengthPrefixFramerTests
{
    private sealed class Frames(int prefixBytes = 4, int maxLength = 1024, bool bigEndian = true, bool keepOpen = false) : Protocol
    {
        public readonly LengthPrefixFramer Framer = new(prefixBytes, maxLength, bigEndian);
        public readonly List<byte[]> Received = new();
        public readonly List<long> TooLong = new();
        public override void DataReceived(ReadOnlySpan<byte> data) => Framer.Feed(this, data);
        public override void MessageReceived(ReadOnlySpan<byte> message) => Received.Add(message.ToArray());

        protected override void MessageTooLong(long length)
        {
            TooLong.Add(length);
            if (!keepOpen) base.MessageTooLong(length);
        }
    }

    private static byte[] Frame(int prefixBytes, bool bigEndian, byte[] payload)
    {
        var frame = new byte[prefixBytes + payload.Length];
        switch (prefixBytes)
        {
            case 1: frame[0] = (byte)payload.Length; break;
            case 2:
                if (bigEndian) BinaryPrimitives.WriteUInt16BigEndian(frame, (ushort)payload.Length);
                else BinaryPrimitives.WriteUInt16LittleEndian(frame, (ushort)payload.Length);
                break;
            default:
                if (bigEndian) BinaryPrimitives.WriteUInt32BigEndian(frame, (uint)payload.Length);
                else BinaryPrimitives.WriteUInt32LittleEndian(frame, (uint)payload.Length);
                break;
        }
        payload.CopyTo(frame, prefixBytes);
        return frame;
    }

    [Theory]
    [InlineData(1, true)]
    [InlineData(2, true)]
    [InlineData(2, false)]
    [InlineData(4, true)]
    [InlineData(4, false)]
    public void Random_splits_deliver_exactly_the_frames(int prefixBytes, bool bigEndian)
    {
        var random = new Random(prefixBytes * 10 + (bigEndian ? 1 : 0));
        for (int round = 0; round < 100; round++)
        {
            using var host = new ProtocolTestHost();
            var protocol = new Frames(prefixBytes, 255, bigEndian);
            var conn = host.Connect(protocol);
            var payloads = Enumerable.Range(0, random.Next(1, 15)).Select(_ =>
            {
                var p = new byte[random.Next(0, 256)];
                random.NextBytes(p);
                return p;
            }).ToList();
            var stream = payloads.SelectMany(p => Frame(prefixBytes, bigEndian, p)).ToArray();
            for (int offset = 0; offset < stream.Length;)
            {
                int n = Math.Min(stream.Length - offset, random.Next(1, 300));
                conn.Send(stream.AsSpan(offset, n));
                offset += n;
            }
            Assert.Equal(payloads.Count, protocol.Received.Count);
            for (int i = 0; i < payloads.Count; i++) Assert.Equal(payloads[i], protocol.Received[i]);
        }
    }

    [Fact]
    public void A_prefix_announcing_2GB_is_rejected_before_any_payload_is_buffered()
    {
        using var host = new ProtocolTestHost();
        var protocol = new Frames(maxLength: 1024);
        var conn = host.Connect(protocol);
        var prefix = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(prefix, 2_000_000_000);
        long before = GC.GetAllocatedBytesForCurrentThread();
        conn.Send(prefix.Concat(new byte[100]).ToArray());
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 100_000, "allocation proportional to the announced size");
        Assert.Equal(new long[] { 2_000_000_000 }, protocol.TooLong);
        Assert.True(conn.IsClosed);
        Assert.Equal(DisconnectKind.PolicyViolation, conn.Transport.LostReason!.Value.Kind);
    }

    [Fact]
    public void An_oversized_frame_is_skipped_when_the_handler_keeps_the_connection()
    {
        using var host = new ProtocolTestHost();
        var protocol = new Frames(prefixBytes: 2, maxLength: 10, keepOpen: true);
        var conn = host.Connect(protocol);
        conn.Send(Frame(2, true, new byte[50]).Concat(Frame(2, true, new byte[] { 7 })).ToArray());
        Assert.Equal(new long[] { 50 }, protocol.TooLong);
        Assert.Single(protocol.Received);
        Assert.Equal(new byte[] { 7 }, protocol.Received[0]);
    }

    [Fact]
    public void A_partial_frame_then_close_delivers_nothing_and_releases_the_buffer()
    {
        using var host = new ProtocolTestHost();
        var protocol = new Frames();
        var conn = host.Connect(protocol);
        conn.Send(Frame(4, true, new byte[500]).AsSpan(0, 200));
        Assert.Equal(196, protocol.Framer.BufferedBytes);
        conn.Close();
        protocol.Framer.Dispose();
        Assert.Empty(protocol.Received);
        Assert.Equal(0, protocol.Framer.BufferedBytes);
    }

    [Fact]
    public void Send_writes_prefix_and_payload_and_rejects_lengths_the_prefix_cannot_express()
    {
        using var host = new ProtocolTestHost();
        var protocol = new Frames(prefixBytes: 1);
        var conn = host.Connect(protocol);
        protocol.Framer.Send(protocol.Transport, new byte[] { 1, 2, 3 });
        Assert.Equal(new byte[] { 3, 1, 2, 3 }, conn.Transport.Written.ToArray());
        Assert.Throws<ArgumentOutOfRangeException>(() => protocol.Framer.Send(protocol.Transport, new byte[256]));
    }

    [Fact]
    public void Invalid_configuration_is_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new LengthPrefixFramer(3, 10, true));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LengthPrefixFramer(4, 0, true));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LineFramer(0, "\n"));
        Assert.Throws<ArgumentException>(() => new LineFramer(10, ""));
        Assert.Throws<ArgumentException>(() => new LineFramer(10, "\u2028"));
    }
}

public class FramedSendAtomicityTests
{
    /// <summary>Counts Write calls: a framed message must be one write so concurrent writers cannot split it.</summary>
    private sealed class WriteCounter : Protocol
    {
        public int Writes;
        protected override void OnPolicyDataWritten(ReadOnlySpan<byte> data) => Writes++;
    }

    [Theory]
    [InlineData(10)]
    [InlineData(5000)]
    public void A_line_or_frame_goes_out_in_one_write_small_or_large(int size)
    {
        using var host = new ProtocolTestHost();
        var protocol = new WriteCounter();
        var conn = host.Connect(protocol);
        var payload = Enumerable.Repeat((byte)'a', size).ToArray();

        new LineFramer(10_000, "\r\n").Send(protocol.Transport, payload);
        Assert.Equal(1, protocol.Writes);
        Assert.Equal(size + 2, conn.Transport.Written.Length);

        new LengthPrefixFramer(2, 10_000, bigEndian: true).Send(protocol.Transport, payload);
        Assert.Equal(2, protocol.Writes);
        Assert.Equal(2 * size + 4, conn.Transport.Written.Length);
    }
}
