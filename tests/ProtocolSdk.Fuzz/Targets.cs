using System.Buffers.Binary;
using System.Net;
using ProtocolSdk.Framing;
using ProtocolSdk.Testing;

namespace ProtocolSdk.Fuzz;

/// <summary>An invariant broke: the fuzzer reports it as a crash.</summary>
public sealed class InvariantException(string message) : Exception(message);

/// <summary>
/// The fuzz targets. Input layout: byte 0 picks the framer settings, byte 1 seeds how the rest is split into reads,
/// the rest is the byte stream from the peer. Each target compares the framer with a simple reference splitter
/// (differential oracle) and checks the documented bounds. The only documented exception is
/// <see cref="InvariantException"/> (a finding); anything thrown inside a callback would surface as a
/// CallbackError close, which is itself a finding.
/// </summary>
public static class Targets
{
    public static void Run(ReadOnlySpan<byte> input)
    {
        if (input.Length < 2) return;
        byte config = input[0];
        byte split = input[1];
        var data = input[2..].ToArray();
        Lines(config, split, data);
        Frames(config, split, data);
        Policies(config, split, data);
    }

    private static IEnumerable<(int Start, int Length)> Reads(byte split, int length)
    {
        var rng = new Random(split);
        int max = 1 + (split % 64) * (split % 3 == 0 ? 64 : 1); // from 1-byte reads to ~4 KiB reads
        for (int i = 0; i < length;)
        {
            int n = Math.Min(length - i, rng.Next(1, max + 1));
            yield return (i, n);
            i += n;
        }
    }

    private sealed class LineSink(int max, string delimiter, bool keepOpen) : Protocol
    {
        public readonly LineFramer Framer = new(max, delimiter);
        public readonly List<byte[]> Messages = new();
        public int TooLong;
        public DisconnectReason? Reason;

        public override void DataReceived(ReadOnlySpan<byte> data) => Framer.Feed(this, data);
        public override void MessageReceived(ReadOnlySpan<byte> message) => Messages.Add(message.ToArray());

        protected override void MessageTooLong(long length)
        {
            TooLong++;
            if (length <= max) throw new InvariantException($"MessageTooLong({length}) with MaxLength {max}");
            if (!keepOpen) base.MessageTooLong(length);
        }

        public override void ConnectionLost(DisconnectReason reason)
        {
            Reason = reason;
            Framer.Dispose();
        }
    }

    public static void Lines(byte config, byte split, byte[] data)
    {
        int max = 1 + (config & 0x3F) * 3;          // 1..190
        string delimiter = (config & 0x40) != 0 ? "\r\n" : "\n";
        bool keepOpen = (config & 0x80) != 0;
        using var host = new ProtocolTestHost();
        var sink = new LineSink(max, delimiter, keepOpen);
        var conn = host.Connect(sink);
        foreach (var (start, length) in Reads(split, data.Length))
        {
            if (conn.IsClosed) break;
            conn.Send(data.AsSpan(start, length));
            if (sink.Framer.BufferedBytes > max + delimiter.Length - 1 + (keepOpen ? 0 : 0))
                throw new InvariantException($"line framer buffers {sink.Framer.BufferedBytes} B > MaxLength {max} + delimiter");
        }
        bool closedByFramer = conn.IsClosed;
        if (!conn.IsClosed) conn.Close();
        Check(sink.Reason is { } r && r.Kind != DisconnectKind.CallbackError, $"line framer close reason {sink.Reason}");

        // Reference: split on the delimiter.
        var expected = new List<byte[]>();
        bool expectClose = false, ambiguousTail = false;
        var d = System.Text.Encoding.ASCII.GetBytes(delimiter);
        int pos = 0;
        while (true)
        {
            int idx = data.AsSpan(pos).IndexOf(d);
            if (idx < 0)
            {
                int tail = data.Length - pos;
                if (tail > max + d.Length - 1) expectClose = !keepOpen;
                else if (tail > max) ambiguousTail = true;
                break;
            }
            if (idx > max)
            {
                if (!keepOpen) { expectClose = true; break; }
            }
            else
            {
                expected.Add(data.AsSpan(pos, idx).ToArray());
            }
            pos += idx + d.Length;
        }
        Compare("line", expected, sink.Messages);
        if (!ambiguousTail && !keepOpen) Check(expectClose == closedByFramer, $"line framer closed={closedByFramer}, reference says {expectClose}");
        if (closedByFramer) Check(sink.Reason!.Value.Kind == DisconnectKind.PolicyViolation, $"line close reason {sink.Reason}");
        Check(sink.Framer.BufferedBytes == 0, "line framer kept its buffer after ConnectionLost");
    }

    private sealed class FrameSink(int prefixBytes, int max, bool bigEndian, bool keepOpen) : Protocol
    {
        public readonly LengthPrefixFramer Framer = new(prefixBytes, max, bigEndian);
        public readonly List<byte[]> Messages = new();
        public DisconnectReason? Reason;

        public override void DataReceived(ReadOnlySpan<byte> data) => Framer.Feed(this, data);
        public override void MessageReceived(ReadOnlySpan<byte> message) => Messages.Add(message.ToArray());

        protected override void MessageTooLong(long length)
        {
            if (length <= max) throw new InvariantException($"MessageTooLong({length}) with MaxLength {max}");
            if (!keepOpen) base.MessageTooLong(length);
        }

        public override void ConnectionLost(DisconnectReason reason)
        {
            Reason = reason;
            Framer.Dispose();
        }
    }

    public static void Frames(byte config, byte split, byte[] data)
    {
        int prefixBytes = (config & 3) switch { 0 => 1, 1 => 2, _ => 4 };
        bool bigEndian = (config & 4) != 0;
        bool keepOpen = (config & 8) != 0;
        int max = 1 + ((config >> 4) * 97);         // 1..1456
        using var host = new ProtocolTestHost();
        var sink = new FrameSink(prefixBytes, max, bigEndian, keepOpen);
        var conn = host.Connect(sink);
        long before = GC.GetAllocatedBytesForCurrentThread();
        foreach (var (start, length) in Reads(split, data.Length))
        {
            if (conn.IsClosed) break;
            conn.Send(data.AsSpan(start, length));
            if (sink.Framer.BufferedBytes > Math.Max(max, prefixBytes))
                throw new InvariantException($"frame framer buffers {sink.Framer.BufferedBytes} B > MaxLength {max}");
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        // Allocation is proportional to bytes received (messages are copied by this sink), never to announced sizes.
        Check(allocated < 64 * 1024 + 8L * data.Length, $"frame framer allocated {allocated} B for {data.Length} B of input");
        bool closedByFramer = conn.IsClosed;
        if (!conn.IsClosed) conn.Close();
        Check(sink.Reason is { } r && r.Kind != DisconnectKind.CallbackError, $"frame framer close reason {sink.Reason}");

        var expected = new List<byte[]>();
        bool expectClose = false;
        long pos = 0;
        while (pos + prefixBytes <= data.Length)
        {
            var p = data.AsSpan((int)pos, prefixBytes);
            long len = prefixBytes switch
            {
                1 => p[0],
                2 => bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(p) : BinaryPrimitives.ReadUInt16LittleEndian(p),
                _ => bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(p) : BinaryPrimitives.ReadUInt32LittleEndian(p),
            };
            pos += prefixBytes;
            if (len > max)
            {
                if (!keepOpen) { expectClose = true; break; }
                pos += len;
                continue;
            }
            if (pos + len > data.Length) break;
            expected.Add(data.AsSpan((int)pos, (int)len).ToArray());
            pos += len;
        }
        Compare("frame", expected, sink.Messages);
        Check(expectClose == closedByFramer, $"frame framer closed={closedByFramer}, reference says {expectClose}");
        if (closedByFramer) Check(sink.Reason!.Value.Kind == DisconnectKind.PolicyViolation, $"frame close reason {sink.Reason}");
    }

    /// <summary>
    /// Drives a protocol with every generated policy through a sequence of operations decoded from the input
    /// (connect from one of 3 peers, send, advance the clock, close, reset, stop/resume reading at the peer).
    /// Invariants: at most PerPeer live connections per peer and Total overall, ConnectionLost once per ConnectionMade,
    /// never a CallbackError, throttled output never dropped, and no timer left once every connection is closed.
    /// </summary>
    public static void Policies(byte config, byte split, byte[] data)
    {
        using var host = new ProtocolTestHost(highWaterMark: 256, lowWaterMark: 64);
        var live = new List<(TestConnection Conn, FuzzPolicyProtocol P, int Peer)>();
        var all = new List<FuzzPolicyProtocol>();
        long sent = 0;
        for (int i = 0; i + 1 < data.Length; i += 2)
        {
            byte op = data[i], arg = data[i + 1];
            switch (op % 7)
            {
                case 0:
                case 1:
                {
                    int peer = arg % 3;
                    var p = new FuzzPolicyProtocol();
                    var c = host.Connect(p, $"127.0.0.{1 + peer}");
                    if (!c.WasRejected) { live.Add((c, p, peer)); all.Add(p); }
                    int perPeer = live.Count(l => l.Peer == peer && !l.Conn.IsClosed);
                    Check(perPeer <= FuzzPolicyProtocol.PerPeer, $"{perPeer} live connections from one peer");
                    Check(live.Count(l => !l.Conn.IsClosed) <= FuzzPolicyProtocol.Total, "over Total");
                    break;
                }
                case 2:
                    if (live.Count > 0)
                    {
                        var l = live[arg % live.Count];
                        if (!l.Conn.IsClosed)
                        {
                            int n = Math.Min(arg, data.Length - i);
                            l.Conn.Send(data.AsSpan(i, n));
                            sent += n;
                        }
                    }
                    break;
                case 3:
                    host.Advance(TimeSpan.FromMilliseconds(arg * 10));
                    break;
                case 4:
                    if (live.Count > 0) { var l = live[arg % live.Count]; if (!l.Conn.IsClosed) l.Conn.Close(); }
                    break;
                case 5:
                    if (live.Count > 0) { var l = live[arg % live.Count]; if (!l.Conn.IsClosed) l.Conn.Reset(); }
                    break;
                default:
                    if (live.Count > 0)
                    {
                        var l = live[arg % live.Count];
                        if (!l.Conn.IsClosed) l.Conn.Transport.SetPeerReceiveWindow((arg & 1) == 0 ? null : arg * 4L);
                    }
                    break;
            }
            live.RemoveAll(l => l.Conn.IsClosed);
        }
        // Let everything drain: open the windows and run the clock past the throttle.
        foreach (var l in live) l.Conn.Transport.SetPeerReceiveWindow(null);
        host.Advance(TimeSpan.FromSeconds(2));
        foreach (var l in live.Where(l => !l.Conn.IsClosed))
        {
            long handed = l.Conn.Transport.Written.Length, buffered = l.Conn.Transport.BufferedBytes;
            Check(handed + buffered == l.P.Received, $"throttled echo dropped bytes: sent {handed} + buffered {buffered} != received {l.P.Received}");
        }
        foreach (var l in live) if (!l.Conn.IsClosed) l.Conn.Close();
        foreach (var p in all)
        {
            Check(p.Made == p.Lost && p.Made <= 1, $"made {p.Made} lost {p.Lost}");
            Check(p.Reason?.Kind != DisconnectKind.CallbackError, $"callback error {p.Reason}");
        }
        Check(host.PendingTimers == 0, $"{host.PendingTimers} timers left");
        _ = sent;
        _ = config;
        _ = split;
    }

    private static void Compare(string what, List<byte[]> expected, List<byte[]> actual)
    {
        Check(expected.Count == actual.Count, $"{what}: {actual.Count} messages, reference {expected.Count}");
        for (int i = 0; i < expected.Count; i++)
        {
            Check(expected[i].AsSpan().SequenceEqual(actual[i]), $"{what}: message {i} differs");
        }
    }

    private static void Check(bool condition, string message)
    {
        if (!condition) throw new InvariantException(message);
    }
}

/// <summary>Every generated policy at once, small limits so the fuzzer reaches them.</summary>
[Throttle(ReadBytesPerSecond = 2000, WriteBytesPerSecond = 1000, BurstBytes = 500)]
[Timeout(1)]
[MaxConnections(Total = FuzzPolicyProtocol.Total, PerPeer = FuzzPolicyProtocol.PerPeer)]
[LogTraffic(LengthLimit = 8)]
public sealed partial class FuzzPolicyProtocol : Protocol
{
    public const int Total = 4;
    public const int PerPeer = 2;
    public int Made, Lost;
    public long Received;
    public DisconnectReason? Reason;

    public override void ConnectionMade() => Made++;

    public override void DataReceived(ReadOnlySpan<byte> data)
    {
        Received += data.Length;
        Transport.Write(data);
    }

    public override void ConnectionLost(DisconnectReason reason)
    {
        Lost++;
        Reason = reason;
    }
}
