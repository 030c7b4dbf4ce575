using System.Buffers.Binary;
using System.Text;
using ProtocolSdk.Framing;
using ProtocolSdk.Testing;

namespace ProtocolSdk.Tests.Framing;

/// <summary>Both framers stop delivering at a PauseReading() in MessageReceived and replay the rest on ResumeReading().</summary>
public class PauseReadingTests
{
    /// <summary>Pauses after every message, as a protocol that starts async work per request does (PSDK005's advice).</summary>
    private sealed class PausingLines(string? delimiter = "\r\n") : Protocol
    {
        private LineFramer? _framer;
        public readonly List<string> Received = new();
        public LineFramer Framer => _framer!;
        protected override void OnPolicyConnectionMade() => _framer = new LineFramer(64, delimiter);
        protected override void OnPolicyConnectionLost(DisconnectReason reason) => _framer?.Dispose();
        public override void DataReceived(ReadOnlySpan<byte> data) => _framer!.Feed(this, data);

        public override void MessageReceived(ReadOnlySpan<byte> message)
        {
            Received.Add(Encoding.ASCII.GetString(message));
            Transport.PauseReading();
        }
    }

    private sealed class PausingFrames : Protocol
    {
        private LengthPrefixFramer? _framer;
        public readonly List<int> Received = new();
        public LengthPrefixFramer Framer => _framer!;
        protected override void OnPolicyConnectionMade() => _framer = new LengthPrefixFramer(2, 1024, bigEndian: true);
        protected override void OnPolicyConnectionLost(DisconnectReason reason) => _framer?.Dispose();
        public override void DataReceived(ReadOnlySpan<byte> data) => _framer!.Feed(this, data);

        public override void MessageReceived(ReadOnlySpan<byte> message)
        {
            Received.Add(BinaryPrimitives.ReadInt32BigEndian(message));
            Transport.PauseReading();
        }
    }

    private static string PipelinedLines(int count, string delimiter = "\r\n") =>
        string.Concat(Enumerable.Range(0, count).Select(i => "line " + i + delimiter));

    [Fact]
    public void Five_thousand_pipelined_lines_are_delivered_one_per_resume_in_order()
    {
        using var host = new ProtocolTestHost();
        var protocol = new PausingLines();
        var conn = host.Connect(protocol);
        conn.Send(PipelinedLines(5000)); // one chunk

        Assert.Equal(new[] { "line 0" }, protocol.Received); // stopped at the pause, the rest is held
        Assert.True(protocol.Framer.BufferedBytes > 0);
        for (int i = 1; i < 5000; i++)
        {
            protocol.Transport.ResumeReading();
            Assert.Equal(i + 1, protocol.Received.Count);
        }
        Assert.Equal(Enumerable.Range(0, 5000).Select(i => "line " + i), protocol.Received);
        Assert.Equal(0, protocol.Framer.BufferedBytes);
        protocol.Transport.ResumeReading(); // nothing left: nothing delivered, nothing scheduled
        Assert.Equal(5000, protocol.Received.Count);
        Assert.Equal(0, host.PendingTimers);
    }

    [Fact]
    public void Lines_received_while_paused_come_after_the_held_ones()
    {
        using var host = new ProtocolTestHost();
        var protocol = new PausingLines(delimiter: null);
        var conn = host.Connect(protocol);
        conn.Send("a\nb\nc"); // "c" is an unfinished line
        conn.Send("\nd\n");   // arrives while paused: waits in the transport
        Assert.Equal(new[] { "a" }, protocol.Received);
        for (int i = 0; i < 3; i++) protocol.Transport.ResumeReading();
        Assert.Equal(new[] { "a", "b", "c", "d" }, protocol.Received);
    }

    [Fact]
    public void A_resume_inside_MessageReceived_goes_on_delivering_without_nesting()
    {
        using var host = new ProtocolTestHost();
        var protocol = new PauseThenResumeLines();
        var conn = host.Connect(protocol);
        conn.Send(PipelinedLines(100));
        Assert.Equal(100, protocol.Count);
        Assert.Equal(1, protocol.MaxDepth);
        Assert.Equal(0, host.PendingTimers);
    }

    private sealed class PauseThenResumeLines : Protocol
    {
        private readonly LineFramer _framer = new(64, "\r\n");
        private int _depth;
        public int Count, MaxDepth;
        public override void DataReceived(ReadOnlySpan<byte> data) => _framer.Feed(this, data);

        public override void MessageReceived(ReadOnlySpan<byte> message)
        {
            MaxDepth = Math.Max(MaxDepth, ++_depth);
            Count++;
            Transport.PauseReading();
            Transport.ResumeReading(); // the work finished at once
            _depth--;
        }
    }

    [Fact]
    public void Length_prefixed_frames_stop_at_the_pause_and_replay_on_resume()
    {
        using var host = new ProtocolTestHost();
        var protocol = new PausingFrames();
        var conn = host.Connect(protocol);
        var stream = new byte[5000 * 6];
        for (int i = 0; i < 5000; i++)
        {
            BinaryPrimitives.WriteUInt16BigEndian(stream.AsSpan(i * 6), 4);
            BinaryPrimitives.WriteInt32BigEndian(stream.AsSpan(i * 6 + 2), i);
        }
        conn.Send(stream.AsSpan(0, 5000 * 6 - 3)); // the last frame is split over two reads
        Assert.Equal(new[] { 0 }, protocol.Received);
        conn.Send(stream.AsSpan(5000 * 6 - 3));
        for (int i = 1; i < 5000; i++) protocol.Transport.ResumeReading();
        Assert.Equal(Enumerable.Range(0, 5000), protocol.Received);
        Assert.Equal(0, protocol.Framer.BufferedBytes);
    }

    [Fact]
    public void Closing_while_input_is_held_returns_the_buffer_and_delivers_nothing_more()
    {
        using var host = new ProtocolTestHost();
        var protocol = new PausingLines();
        var conn = host.Connect(protocol);
        conn.Send(PipelinedLines(10));
        protocol.Transport.LoseConnection();
        Assert.True(conn.IsClosed);
        Assert.Equal(new[] { "line 0" }, protocol.Received);
        Assert.Equal(0, host.PendingTimers);
    }

    [Fact]
    public void A_resume_from_another_thread_while_the_connection_is_busy_replays_on_the_next_tick()
    {
        using var host = new ProtocolTestHost();
        var protocol = new PausingLines();
        var conn = host.Connect(protocol);
        conn.Send(PipelinedLines(3));
        Assert.Single(protocol.Received);

        // Hold the connection's callback lock from a policy callback on this thread while another thread resumes.
        bool ranInside = conn.Transport.RunSerialized(static p =>
        {
            var resume = Task.Run(p.Transport.ResumeReading);
            Assert.True(resume.Wait(Support.Loopback.Timeout));
        }, protocol);
        Assert.True(ranInside);
        Assert.Single(protocol.Received);   // not delivered nested, nor by waiting for the lock
        Assert.Equal(1, host.PendingTimers); // the replay waits for the next tick
        host.Advance(TimeSpan.FromMilliseconds(20));
        Assert.Equal(new[] { "line 0", "line 1" }, protocol.Received);
        Assert.Equal(0, host.PendingTimers);
    }
}
