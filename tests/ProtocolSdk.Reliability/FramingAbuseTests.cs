using System.Buffers.Binary;
using System.Net.Sockets;
using ProtocolSdk.Reliability.Support;
using ProtocolSdk.Testing;
using Xunit.Abstractions;

namespace ProtocolSdk.Reliability;

/// <summary>
/// Scenario 6. Hostile input to the generated [LineFraming] / [LengthPrefixFraming] protocols: random bytes, oversized lines and frames, a prefix announcing
/// 2 GB, partial frames then close. No exception escapes (a callback error would show as CallbackError), nothing is
/// allocated in proportion to an announced size, buffered bytes stay within MaxLength, and oversize closes say why.
/// </summary>
[Collection(Serial.Name)]
public class FramingAbuseTests(ITestOutputHelper output)
{
    [Fact]
    public void Random_bytes_never_break_the_framers()
    {
        int inputs = Soak.Pick(3000, 100_000);
        var rng = new Random(12345);
        using var host = new ProtocolTestHost();
        int lineCloses = 0, frameCloses = 0, lineMessages = 0, frameMessages = 0, lineMax = 0, frameMax = 0;
        for (int i = 0; i < inputs; i++)
        {
            var line = new LineEcho();
            var frame = new FrameEcho();
            var lc = host.Connect(line);
            var fc = host.Connect(frame);
            int chunks = rng.Next(1, 20);
            int lineBuffered = 0, frameBuffered = 0;
            for (int c = 0; c < chunks; c++)
            {
                var data = new byte[rng.Next(0, 3000)];
                rng.NextBytes(data);
                // Sprinkle delimiters and small prefixes so both framers reach their deeper states.
                for (int k = 0; k < data.Length / 50; k++) data[rng.Next(data.Length)] = rng.Next(2) == 0 ? (byte)'\r' : (byte)'\n';
                if (data.Length >= 4 && rng.Next(3) == 0) BinaryPrimitives.WriteUInt32BigEndian(data, (uint)rng.Next(0, 2 * FrameEcho.MaxLength));
                if (!lc.IsClosed) lc.Send(data);
                if (!fc.IsClosed) fc.Send(data);
                lineBuffered = Math.Max(lineBuffered, line.Buffered);
                frameBuffered = Math.Max(frameBuffered, frame.Buffered);
            }
            if (rng.Next(2) == 0) { lc.Close(); fc.Close(); } else { lc.Reset(); fc.Reset(); }
            foreach (var (conn, reason) in new[] { (lc, line.Reason), (fc, frame.Reason) })
            {
                Assert.Equal(1, conn.Transport.ConnectionLostCount);
                Assert.NotEqual(DisconnectKind.CallbackError, reason!.Value.Kind);
                if (reason.Value.Kind == DisconnectKind.PolicyViolation) Assert.Contains("exceeds the framing MaxLength", reason.Value.Message);
            }
            if (line.Reason!.Value.Kind == DisconnectKind.PolicyViolation) lineCloses++;
            if (frame.Reason!.Value.Kind == DisconnectKind.PolicyViolation) frameCloses++;
            lineMessages += line.Messages;
            frameMessages += frame.Messages;
            lineMax = Math.Max(lineMax, lineBuffered);
            frameMax = Math.Max(frameMax, frameBuffered);
            Assert.True(lineBuffered <= LineEcho.MaxLength + 1, $"line framer buffered {lineBuffered}");
            Assert.True(frameBuffered <= FrameEcho.MaxLength, $"frame framer buffered {frameBuffered}");
        }
        Assert.Equal(0, host.PendingTimers);
        output.WriteLine($"{inputs} random inputs: lines {lineMessages} messages, {lineCloses} oversize closes, max buffered {lineMax} B; " +
                         $"frames {frameMessages} messages, {frameCloses} oversize closes, max buffered {frameMax} B");
    }

    [Fact]
    public void A_prefix_announcing_2GB_is_refused_without_allocating_for_it()
    {
        using var host = new ProtocolTestHost();
        var frame = new FrameEcho();
        var conn = host.Connect(frame);
        var prefix = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(prefix, 0x8000_0000);
        conn.Send(prefix[..2]); // warm-up path: a partial prefix
        long before = GC.GetAllocatedBytesForCurrentThread();
        conn.Send(prefix[2..]);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        output.WriteLine($"2 GB prefix: allocated {allocated} B, reason {frame.Reason}");
        Assert.True(allocated < 4096, $"allocated {allocated} B");
        Assert.Equal(DisconnectKind.PolicyViolation, frame.Reason!.Value.Kind);
        Assert.Equal("message of 2147483648 bytes exceeds the framing MaxLength", frame.Reason.Value.Message);
    }

    [Fact]
    public void A_legal_but_large_announced_frame_allocates_only_for_bytes_that_arrived_then_close_releases()
    {
        using var host = new ProtocolTestHost();
        var frame = new FrameEcho();
        var conn = host.Connect(frame);
        var data = new byte[4 + 100];
        BinaryPrimitives.WriteUInt32BigEndian(data, FrameEcho.MaxLength); // announce 64 KiB, send 100 bytes
        long before = GC.GetAllocatedBytesForCurrentThread();
        conn.Send(data);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 8 * 1024, $"allocated {allocated} B for 100 B of a 64 KiB frame");
        Assert.Equal(100, frame.Buffered);
        conn.Close();
        Assert.Equal(DisconnectKind.PeerClosed, frame.Reason!.Value.Kind);
        Assert.Equal(0, frame.Messages);
        Assert.Equal(0, frame.Buffered); // returned to the pool on ConnectionLost
        output.WriteLine($"partial 64 KiB frame: allocated {allocated} B for 100 B received");
    }

    [Fact]
    public void Oversized_lines_close_with_a_clear_reason_and_bounded_buffering()
    {
        using var host = new ProtocolTestHost();
        var line = new LineEcho();
        var conn = host.Connect(line);
        var chunk = new byte[700];
        Array.Fill(chunk, (byte)'a');
        long before = GC.GetAllocatedBytesForCurrentThread();
        int bufferedMax = 0;
        for (int i = 0; i < 100 && !conn.IsClosed; i++)
        {
            conn.Send(chunk); // 70 KB without a delimiter
            bufferedMax = Math.Max(bufferedMax, line.Buffered);
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(conn.IsClosed);
        Assert.Equal(DisconnectKind.PolicyViolation, line.Reason!.Value.Kind);
        Assert.Contains("exceeds the framing MaxLength", line.Reason.Value.Message);
        Assert.True(bufferedMax <= LineEcho.MaxLength + 1);
        output.WriteLine($"oversized line: closed after buffering at most {bufferedMax} B, allocated {allocated} B, reason {line.Reason}");
    }

    [Fact]
    public async Task Hostile_frames_on_a_real_socket_close_only_that_connection()
    {
        FrameEcho? last = null;
        await using var server = await ProtocolServer.ListenTcpAsync(Net.AnyPort, () => last = new FrameEcho());
        using (var bad = await Net.ConnectAsync(server.LocalEndPoint, Net.Attacker))
        {
            await bad.SendAsync(new byte[] { 0x80, 0, 0, 0, 1, 2, 3 }, SocketFlags.None);
            var (bytes, _) = await Net.DrainAsync(bad);
            Assert.Equal(0, bytes);
        }
        await Net.WaitUntilAsync(() => last?.Reason is not null, "ConnectionLost");
        Assert.Equal(DisconnectKind.PolicyViolation, last!.Reason!.Value.Kind);

        using var good = await Net.ConnectAsync(server.LocalEndPoint, Net.Honest);
        var msg = new byte[] { 0, 0, 0, 3, (byte)'a', (byte)'b', (byte)'c' };
        var reply = new byte[msg.Length];
        await Net.EchoOnceAsync(good, msg, reply);
    }

    /// <summary>
    /// 5,000 pipelined requests in one write to a protocol that offloads each one and pauses reading meanwhile (PSDK005's
    /// advice). Before the framers honoured the pause, every line of the chunk started its own operation at once.
    /// </summary>
    [Fact]
    public async Task Pipelined_lines_start_one_operation_at_a_time_when_MessageReceived_pauses()
    {
        const int Lines = 5000;
        AsyncLineWorker? worker = null;
        await using var server = await ProtocolServer.ListenTcpAsync(Net.AnyPort, () => worker = new AsyncLineWorker());
        using var client = await Net.ConnectAsync(server.LocalEndPoint);
        var request = System.Text.Encoding.ASCII.GetBytes(string.Concat(Enumerable.Range(0, Lines).Select(i => "req " + i + "\n")));
        var sending = client.SendAsync(request, SocketFlags.None);

        var replies = new System.Text.StringBuilder();
        var buffer = new byte[64 * 1024];
        int newlines = 0;
        using var cts = new CancellationTokenSource(Net.Timeout);
        while (newlines < Lines)
        {
            int n = await client.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
            Assert.NotEqual(0, n);
            for (int i = 0; i < n; i++) if (buffer[i] == (byte)'\n') newlines++;
            replies.Append(System.Text.Encoding.ASCII.GetString(buffer, 0, n));
        }
        await sending;
        Assert.Equal(string.Concat(Enumerable.Range(0, Lines).Select(i => "done req " + i + "\n")), replies.ToString());
        Assert.Equal(1, worker!.MaxInFlight);
        output.WriteLine($"{Lines} pipelined lines, at most {worker.MaxInFlight} operation in flight");
    }
}

/// <summary>Generated [LineFraming]: each request runs on the thread pool while reading is paused, then resumes.</summary>
[LineFraming(MaxLength = 64, Delimiter = "\n")]
public sealed partial class AsyncLineWorker : Protocol
{
    private int _inFlight;
    private int _maxInFlight;

    public int MaxInFlight => Volatile.Read(ref _maxInFlight);

    public override void MessageReceived(ReadOnlySpan<byte> message)
    {
        int now = Interlocked.Increment(ref _inFlight);
        if (now > _maxInFlight) Volatile.Write(ref _maxInFlight, now);
        Transport.PauseReading();
        var request = message.ToArray();
        var transport = Transport;
        _ = Task.Run(() =>
        {
            SendMessage(System.Text.Encoding.ASCII.GetBytes("done " + System.Text.Encoding.ASCII.GetString(request)));
            Interlocked.Decrement(ref _inFlight);
            transport.ResumeReading();
        });
    }
}
