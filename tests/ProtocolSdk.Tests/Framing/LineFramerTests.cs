using ProtocolSdk.Tests.Support;
using System.Text;
using ProtocolSdk.Framing;
using ProtocolSdk.Testing;

namespace ProtocolSdk.Tests.Framing;

public class LineFramerTests
{
    /// <summary>What the generated code does for [LineFraming], written by hand so the framer is tested alone.</summary>
    private sealed class Lines(int maxLength = 16, string? delimiter = "\r\n", bool keepOpenWhenTooLong = false) : Protocol
    {
        private LineFramer? _framer;
        public readonly List<string> Received = new();
        public readonly List<long> TooLong = new();
        public LineFramer Framer => _framer!;

        protected override void OnPolicyConnectionMade() => _framer = new LineFramer(maxLength, delimiter);
        protected override void OnPolicyConnectionLost(DisconnectReason reason) => _framer?.Dispose();
        public override void DataReceived(ReadOnlySpan<byte> data) => _framer!.Feed(this, data);
        public override void MessageReceived(ReadOnlySpan<byte> message) => Received.Add(Encoding.Latin1.GetString(message));

        protected override void MessageTooLong(long length)
        {
            TooLong.Add(length);
            if (!keepOpenWhenTooLong) base.MessageTooLong(length);
        }
    }

    [Fact]
    public void Lines_in_one_chunk_are_delivered_without_delimiters()
    {
        using var host = new ProtocolTestHost();
        var protocol = new Lines();
        var conn = host.Connect(protocol);
        conn.Send("one\r\ntwo\r\n\r\nthree");
        Assert.Equal(new[] { "one", "two", "" }, protocol.Received);
        conn.Send("\r\n");
        Assert.Equal(new[] { "one", "two", "", "three" }, protocol.Received);
        Assert.Equal(0, protocol.Framer.BufferedBytes);
    }

    [Fact]
    public void A_delimiter_split_across_reads_is_found()
    {
        using var host = new ProtocolTestHost();
        var protocol = new Lines();
        var conn = host.Connect(protocol);
        conn.Send("abc\r");
        conn.Send("\ndef\r");
        conn.Send("\n");
        Assert.Equal(new[] { "abc", "def" }, protocol.Received);
    }

    [Theory]
    [InlineData("\r\n")]
    [InlineData("\n")]
    [InlineData("<END>")]
    public void Random_splits_of_the_stream_deliver_exactly_the_lines(string delimiter)
    {
        var random = new Random(delimiter.Length);
        for (int round = 0; round < 200; round++)
        {
            using var host = new ProtocolTestHost();
            var protocol = new Lines(maxLength: 40, delimiter: delimiter);
            var conn = host.Connect(protocol);
            var lines = Enumerable.Range(0, random.Next(1, 20))
                .Select(_ => new string(Enumerable.Range(0, random.Next(0, 41)).Select(_ => (char)random.Next('a', 'z' + 1)).ToArray()))
                .ToList();
            var stream = Encoding.Latin1.GetBytes(string.Concat(lines.Select(l => l + delimiter)));
            for (int offset = 0; offset < stream.Length;)
            {
                int n = Math.Min(stream.Length - offset, random.Next(1, 12));
                conn.Send(stream.AsSpan(offset, n));
                offset += n;
            }
            Assert.Equal(lines, protocol.Received);
            Assert.Empty(protocol.TooLong);
        }
    }

    [Fact]
    public void An_oversized_line_closes_the_connection_with_a_clear_reason_by_default()
    {
        using var host = new ProtocolTestHost();
        var protocol = new Lines(maxLength: 8);
        var conn = host.Connect(protocol);
        conn.Send("short\r\nthis line is far too long\r\nnext\r\n");
        Assert.Equal(new[] { "short" }, protocol.Received);
        Assert.True(conn.IsClosed);
        var reason = conn.Transport.LostReason!.Value;
        Assert.Equal(DisconnectKind.PolicyViolation, reason.Kind);
        Assert.Contains("MaxLength", reason.Message);
    }

    [Fact]
    public void An_unterminated_flood_is_cut_at_MaxLength_without_buffering_it()
    {
        using var host = new ProtocolTestHost();
        var protocol = new Lines(maxLength: 100, keepOpenWhenTooLong: true);
        var conn = host.Connect(protocol);
        var garbage = new byte[1000];
        Array.Fill(garbage, (byte)'x');
        for (int i = 0; i < 50; i++)
        {
            conn.Send(garbage.AsSpan(0, 37));
            Assert.InRange(protocol.Framer.BufferedBytes, 0, 101);
        }
        Assert.Single(protocol.TooLong);
        conn.Send("\r\nok\r\n"); // the oversized line ends: framing resynchronises
        Assert.Equal(new[] { "ok" }, protocol.Received);
        Assert.False(conn.IsClosed);
    }

    [Fact]
    public void A_line_of_exactly_MaxLength_is_accepted_in_one_chunk_and_across_chunks()
    {
        using var host = new ProtocolTestHost();
        var protocol = new Lines(maxLength: 5);
        var conn = host.Connect(protocol);
        conn.Send("12345\r\n");
        conn.Send("123");
        conn.Send("45\r");
        conn.Send("\n");
        Assert.Equal(new[] { "12345", "12345" }, protocol.Received);
        conn.Send("123456\r\n");
        Assert.Equal(new long[] { 6 }, protocol.TooLong);
    }

    [Fact]
    public void Lines_after_LoseConnection_in_MessageReceived_are_not_delivered()
    {
        using var host = new ProtocolTestHost();
        var protocol = new QuitOnFirst();
        var conn = host.Connect(protocol);
        conn.Send("quit\r\nmore\r\n");
        Assert.Equal(1, protocol.Count);
        Assert.True(conn.IsClosed);
    }

    [Fact]
    public void Send_writes_the_line_and_the_delimiter()
    {
        using var host = new ProtocolTestHost();
        var protocol = new Lines();
        var conn = host.Connect(protocol);
        protocol.Framer.Send(protocol.Transport, "hi"u8);
        Assert.Equal("hi\r\n", conn.WrittenText);
    }

    [Fact]
    public void Steady_state_framing_allocates_nothing()
    {
        using var host = new ProtocolTestHost();
        var protocol = new CountingLines();
        var conn = host.Connect(protocol);
        var whole = "hello world\r\nsecond\r\n"u8.ToArray();
        var first = "split li"u8.ToArray();
        var second = "ne\r\n"u8.ToArray();
        void Run(int n)
        {
            for (int i = 0; i < n; i++)
            {
                conn.Transport.PeerSend(whole);
                conn.Transport.PeerSend(first);
                conn.Transport.PeerSend(second);
            }
        }
        Run(1000);
        AllocationAssert.NothingAllocatedPerEvent(() => Run(5000));
        Assert.Equal(0, (protocol.Count - 1000 * 3) % (5000 * 3)); // every line delivered, round after round
    }

    [Fact]
    public void Lenient_framing_ends_lines_at_LF_and_at_CRLF_and_drops_one_CR()
    {
        using var host = new ProtocolTestHost();
        var protocol = new Lines(delimiter: null);
        var conn = host.Connect(protocol);
        conn.Send("typed in nc\nfrom telnet\r\n\nbare CR\r stays\ntwo CRs\r\r\n");
        Assert.Equal(new[] { "typed in nc", "from telnet", "", "bare CR\r stays", "two CRs\r" }, protocol.Received);
        conn.Send("split\r");
        conn.Send("\nacross");
        conn.Send(" reads\n");
        Assert.Equal(new[] { "split", "across reads" }, protocol.Received.Skip(5));
    }

    [Fact]
    public void Lenient_MaxLength_counts_the_line_without_its_CR()
    {
        using var host = new ProtocolTestHost();
        var protocol = new Lines(maxLength: 5, delimiter: null, keepOpenWhenTooLong: true);
        var conn = host.Connect(protocol);
        conn.Send("12345\r\n12345\n");
        conn.Send("123");          // split: the buffered tail may hold a legal line plus its CR
        conn.Send("45\r");
        conn.Send("\n123456\n");
        Assert.Equal(new[] { "12345", "12345", "12345" }, protocol.Received);
        Assert.Equal(new long[] { 6 }, protocol.TooLong);
    }

    [Fact]
    public void Lenient_Send_writes_CRLF_and_an_explicit_delimiter_keeps_its_exact_meaning()
    {
        using var host = new ProtocolTestHost();
        var lenient = new Lines(delimiter: null);
        var conn = host.Connect(lenient);
        lenient.Framer.Send(lenient.Transport, "hi"u8);
        Assert.Equal("hi\r\n", conn.WrittenText);

        var strict = new Lines(delimiter: "\r\n");
        var strictConn = host.Connect(strict);
        strictConn.Send("no\nbreak\r\n");
        Assert.Equal(new[] { "no\nbreak" }, strict.Received);
    }

    [Fact]
    public void MaxLength_int_MaxValue_does_not_overflow()
    {
        // Before the limits were computed in long, MaxLength + delimiter length wrapped negative and every buffered
        // tail counted as too long.
        using var host = new ProtocolTestHost();
        var protocol = new Lines(maxLength: int.MaxValue);
        var conn = host.Connect(protocol);
        conn.Send("abc");
        conn.Send("def\r\n");
        Assert.Equal(new[] { "abcdef" }, protocol.Received);
        Assert.Empty(protocol.TooLong);

        var lenient = new Lines(maxLength: int.MaxValue, delimiter: null);
        var lenientConn = host.Connect(lenient);
        lenientConn.Send("abc");
        lenientConn.Send("def\n");
        Assert.Equal(new[] { "abcdef" }, lenient.Received);
    }

    [Theory]
    [InlineData("<END>", new[] { "xxxxxxxx<E", "N", "D>ok<END>" })]
    [InlineData("<END>", new[] { "xxxxxxxx<", "E", "N", "D", ">ok<END>" })]
    [InlineData("abc", new[] { "xxxxxxxxa", "b", "cok" + "abc" })]
    public void A_long_delimiter_split_over_three_or_more_reads_ends_a_discarded_line(string delimiter, string[] reads)
    {
        using var host = new ProtocolTestHost();
        var protocol = new Lines(maxLength: 4, delimiter: delimiter, keepOpenWhenTooLong: true);
        var conn = host.Connect(protocol);
        foreach (var read in reads) conn.Send(read);
        Assert.Single(protocol.TooLong);
        Assert.Equal(new[] { "ok" }, protocol.Received); // not "ok" swallowed as the end of the oversized line
        Assert.False(conn.IsClosed);
    }

    [Theory]
    [InlineData("\r\n", "two\r\nlines")]
    [InlineData("<END>", "a<END>b")]
    [InlineData("abab", "xab")] // "xab" + "abab" = "xababab": the peer would see the line end after "x"
    [InlineData(null, "two\nlines")]
    public void Send_refuses_a_message_the_peer_would_not_read_as_one_line(string? delimiter, string message)
    {
        using var host = new ProtocolTestHost();
        var protocol = new Lines(delimiter: delimiter);
        host.Connect(protocol);
        var bytes = Encoding.Latin1.GetBytes(message);
        var error = Assert.Throws<ArgumentException>(() => protocol.Framer.Send(protocol.Transport, bytes));
        Assert.Equal("line", error.ParamName);
        Assert.Contains("send each line separately", error.Message);
        Assert.Equal(0, protocol.Transport.BytesSent);
    }

    [Theory]
    [InlineData("\r\n", "ends in CR\r")]
    [InlineData(null, "ends in CR\r")]
    [InlineData("abab", "xba")]
    public void Send_accepts_a_message_that_reads_back_as_the_same_line(string? delimiter, string message)
    {
        using var host = new ProtocolTestHost();
        var sender = new Lines(delimiter: delimiter);
        var conn = host.Connect(sender);
        sender.Framer.Send(sender.Transport, Encoding.Latin1.GetBytes(message));

        var receiver = new Lines(delimiter: delimiter);
        host.Connect(receiver).Send(conn.Transport.Written);
        Assert.Equal(new[] { message }, receiver.Received);
    }

    private sealed class CountingLines : Protocol
    {
        private readonly LineFramer _framer = new(64, "\r\n");
        public int Count;
        public override void DataReceived(ReadOnlySpan<byte> data) => _framer.Feed(this, data);
        public override void MessageReceived(ReadOnlySpan<byte> message) => Count++;
    }

    private sealed class QuitOnFirst : Protocol
    {
        private readonly LineFramer _framer = new(64, "\r\n");
        public int Count;
        public override void DataReceived(ReadOnlySpan<byte> data) => _framer.Feed(this, data);

        public override void MessageReceived(ReadOnlySpan<byte> message)
        {
            Count++;
            Transport.LoseConnection();
        }
    }
}
