using ProtocolSdk.Tests.Support;
using System.Buffers.Binary;
using System.Net;
using System.Text;
using ProtocolSdk.Testing;

namespace ProtocolSdk.Tests.Policies;

// Protocols whose policy code is GENERATED from the attributes (the hand-wired equivalents live in
// Framing/*Tests.cs and RuntimeSecurityPolicyTests.cs).

// Explicit "\r\n": the lenient default (null = "\n" or "\r\n") needs the runtime LineFramer change of issue #9.
[LineFraming(MaxLength = 16, Delimiter = "\r\n")]
public sealed partial class LineEcho : Protocol
{
    public readonly List<string> Lines = new();
    public int Lost;

    public override void ConnectionMade() => SendMessage("hello"u8); // the framer exists before ConnectionMade

    public override void MessageReceived(ReadOnlySpan<byte> message)
    {
        Lines.Add(Encoding.ASCII.GetString(message));
        SendMessage(message);
    }

    public override void ConnectionLost(DisconnectReason reason) => Lost++;
}

/// <summary>Steady-state allocation check: no recording, just the echo.</summary>
[LineFraming(MaxLength = 1024, Delimiter = "\n")]
public sealed partial class QuietLineEcho : Protocol
{
    public long Messages;

    public override void MessageReceived(ReadOnlySpan<byte> message)
    {
        Messages++;
        SendMessage(message);
    }
}

[LengthPrefixFraming(PrefixBytes = 2, MaxLength = 1000)]
public sealed partial class FrameEcho : Protocol
{
    public readonly List<byte[]> Frames = new();

    public override void MessageReceived(ReadOnlySpan<byte> message)
    {
        Frames.Add(message.ToArray());
        SendMessage(message);
    }
}

[PeerFilter(Allow = new[] { "127.0.0.0/8" }, Deny = new[] { "127.0.0.66/32" })]
public sealed partial class Filtered : Protocol
{
    public int Made;
    public override void ConnectionMade() => Made++;
}

[PeerFilter(Deny = new[] { "10.6.6.0/24" })]
[MaxConnections(Total = 1)]
public sealed partial class FilteredAndLimited : Protocol { }

[MinDataRate(BytesPerSecond = 100, GraceSeconds = 2)]
public sealed partial class RateWatchedGenerated : Protocol { }

public class FramingAndSecurityPolicyTests
{
    private static byte[] Frame2(byte[] payload)
    {
        var frame = new byte[2 + payload.Length];
        BinaryPrimitives.WriteUInt16BigEndian(frame, (ushort)payload.Length);
        payload.CopyTo(frame, 2);
        return frame;
    }

    [Fact]
    public void LineFraming_delivers_lines_and_SendMessage_appends_the_delimiter()
    {
        using var host = new ProtocolTestHost();
        var protocol = new LineEcho();
        var conn = host.Connect(protocol);
        Assert.Equal("hello\r\n", conn.TakeWrittenText());

        conn.Send("one\r\ntw");
        conn.Send("o\r");
        conn.Send("\n\r\n");
        Assert.Equal(new[] { "one", "two", "" }, protocol.Lines);
        Assert.Equal("one\r\ntwo\r\n\r\n", conn.TakeWrittenText());
        Assert.False(conn.IsClosed);
    }

    [Fact]
    public void LineFraming_closes_an_oversized_line_with_PolicyViolation()
    {
        using var host = new ProtocolTestHost();
        var protocol = new LineEcho();
        var conn = host.Connect(protocol);
        conn.Send("short\r\n");
        conn.Send(new string('x', 17)); // 16 + a possible partial delimiter: still a legal line in the making
        Assert.False(conn.IsClosed);
        conn.Send("x");                 // 18 bytes without a delimiter: over MaxLength = 16
        Assert.True(conn.IsClosed);
        Assert.Equal(DisconnectKind.PolicyViolation, conn.Transport.LostReason!.Value.Kind);
        Assert.Equal(new[] { "short" }, protocol.Lines);
        Assert.Equal(1, protocol.Lost);
    }

    [Fact]
    public void LengthPrefixFraming_reassembles_frames_split_across_sends()
    {
        using var host = new ProtocolTestHost();
        var protocol = new FrameEcho();
        var conn = host.Connect(protocol);
        var a = Encoding.ASCII.GetBytes("first frame");
        var b = new byte[700];
        new Random(7).NextBytes(b);
        var stream = Frame2(a).Concat(Frame2(b)).Concat(Frame2(Array.Empty<byte>())).ToArray();

        foreach (var cut in new[] { 1, 2, 5, 13, 14, 300 })
        {
            // each round sends the stream in pieces of 'cut' bytes
            protocol.Frames.Clear();
            for (int offset = 0; offset < stream.Length; offset += cut) conn.Send(stream.AsSpan(offset, Math.Min(cut, stream.Length - offset)));
            Assert.Equal(3, protocol.Frames.Count);
            Assert.Equal(a, protocol.Frames[0]);
            Assert.Equal(b, protocol.Frames[1]);
            Assert.Empty(protocol.Frames[2]);
            Assert.Equal(stream, conn.Transport.TakeWritten()); // SendMessage writes the same big-endian 2-byte prefix
        }
        Assert.False(conn.IsClosed);
    }

    [Fact]
    public void LengthPrefixFraming_closes_on_an_announced_length_above_MaxLength()
    {
        using var host = new ProtocolTestHost();
        var conn = host.Connect(new FrameEcho());
        conn.Send(new byte[] { 0x03, 0xE9 }); // 1001 > MaxLength 1000, before any payload
        Assert.True(conn.IsClosed);
        Assert.Equal(DisconnectKind.PolicyViolation, conn.Transport.LostReason!.Value.Kind);
    }

    [Theory]
    [InlineData("127.0.0.1", true)]
    [InlineData("127.200.1.1", true)]
    [InlineData("127.0.0.66", false)]
    [InlineData("::ffff:127.0.0.66", false)]
    [InlineData("10.0.0.1", false)]
    [InlineData("::1", false)]
    public void PeerFilter_admits_and_rejects(string address, bool admitted)
    {
        using var host = new ProtocolTestHost();
        var protocol = new Filtered();
        var conn = host.Connect(protocol, new IPEndPoint(IPAddress.Parse(address), 4000));
        Assert.Equal(!admitted, conn.WasRejected);
        Assert.Equal(admitted ? 1 : 0, protocol.Made);
    }

    [Fact]
    public void PeerFilter_runs_before_MaxConnections_so_a_filtered_peer_takes_no_slot()
    {
        using var host = new ProtocolTestHost();
        for (int i = 0; i < 5; i++)
        {
            Assert.True(host.Connect(new FilteredAndLimited(), "10.6.6." + (i + 1)).WasRejected);
        }
        var first = host.Connect(new FilteredAndLimited(), "10.0.0.1");
        Assert.False(first.WasRejected); // the five filtered peers did not use up Total = 1
        Assert.True(host.Connect(new FilteredAndLimited(), "10.0.0.2").WasRejected); // now the limit applies
        first.Close();
        Assert.False(host.Connect(new FilteredAndLimited(), "10.0.0.2").WasRejected);
    }

    [Fact]
    public void MinDataRate_closes_a_slow_sender_after_the_grace_period()
    {
        using var host = new ProtocolTestHost();
        var conn = host.Connect(new RateWatchedGenerated());
        for (int i = 0; i < 10 && !conn.IsClosed; i++)
        {
            conn.Send("x"); // 1 B/s against a minimum of 100 B/s
            host.Advance(TimeSpan.FromSeconds(1));
        }
        Assert.True(conn.IsClosed);
        Assert.Equal(DisconnectKind.PolicyViolation, conn.Transport.LostReason!.Value.Kind);
        Assert.Equal(0, host.PendingTimers); // the session was stopped on connection lost
    }

    [Fact]
    public void MinDataRate_spares_a_fast_sender_and_stops_on_close()
    {
        using var host = new ProtocolTestHost();
        var conn = host.Connect(new RateWatchedGenerated());
        for (int i = 0; i < 40; i++)
        {
            conn.Send(new byte[60]); // 240 B/s
            host.Advance(TimeSpan.FromMilliseconds(250));
        }
        Assert.False(conn.IsClosed);
        conn.Close();
        Assert.Equal(0, host.PendingTimers);
    }

    [Fact]
    public void LineFraming_allocates_nothing_per_received_chunk_in_steady_state()
    {
        using var host = new ProtocolTestHost();
        var protocol = new QuietLineEcho();
        var conn = host.Connect(protocol);
        var whole = Encoding.ASCII.GetBytes("a line of text\nand another\n");
        var head = Encoding.ASCII.GetBytes("a line split ");
        var tail = Encoding.ASCII.GetBytes("across two reads\n");
        const int rounds = 10_000;

        void Round()
        {
            conn.Send(whole); // lines wholly inside the chunk
            conn.Send(head);  // a line split across reads (buffered by the framer)
            conn.Send(tail);
        }

        for (int i = 0; i < rounds; i++) Round(); // warm up: JIT, tiering, the framer's pooled buffer
        conn.Transport.TakeWritten();

        AllocationAssert.NothingAllocatedPerEvent(() =>
        {
            conn.Transport.ClearWritten();
            for (int i = 0; i < rounds; i++) Round();
        });
        Assert.Equal(0, protocol.Messages % (rounds * 3L)); // three lines per round, every round
        Assert.False(conn.IsClosed);
    }
}
