using System.Diagnostics;
using ProtocolSdk.Testing;
using ProtocolSdk.Tests.Support;

namespace ProtocolSdk.Tests.Policies;

/// <summary>
/// A connection whose DataReceived blocks (a careless callback) for as long as the test says. The shared state lets
/// a socket test reach the server-side instances.
/// </summary>
[Timeout(1)]
public sealed partial class StallingTimed : Protocol
{
    public static readonly TimeSpan MaxStall = TimeSpan.FromSeconds(8);
    public readonly ManualResetEventSlim InsideDataReceived = new();
    public readonly ManualResetEventSlim Release = new();
    public readonly ManualResetEventSlim Lost = new();
    public TimeSpan? ShortTimeout { get; init; }
    public int Timeouts;
    public DisconnectReason? LostReason;

    public override void ConnectionMade()
    {
        if (ShortTimeout is { } period) SetTimeout(period);
    }

#pragma warning disable PSDK005 // blocking on purpose: this is the careless callback under test
    public override void DataReceived(ReadOnlySpan<byte> data)
    {
        InsideDataReceived.Set();
        Release.Wait(MaxStall);
    }
#pragma warning restore PSDK005

    protected override void TimeoutConnection()
    {
        Interlocked.Increment(ref Timeouts);
        base.TimeoutConnection();
    }

    public override void ConnectionLost(DisconnectReason reason)
    {
        LostReason = reason;
        Lost.Set();
    }
}

/// <summary>The timer wheel serves every connection from one thread: a connection inside a slow callback must not hold it up.</summary>
public class TimerFairnessTests
{
    [Fact]
    public async Task Another_connections_timeout_fires_on_time_while_one_is_stuck_in_DataReceived()
    {
        using var host = new ProtocolTestHost();
        var stuck = new StallingTimed();
        var stuckConn = host.Connect(stuck);
        host.Advance(TimeSpan.FromMilliseconds(100)); // the stuck connection's timeout is due first
        var idle = new StallingTimed();
        var idleConn = host.Connect(idle);

        var sending = Task.Run(() => stuckConn.Send("x")); // the peer's byte: DataReceived blocks on a pool thread
        Assert.True(stuck.InsideDataReceived.Wait(Loopback.Timeout));

        host.Advance(TimeSpan.FromMilliseconds(1050)); // past both deadlines (t = 1.15 s)
        Assert.True(idleConn.IsClosed, "the idle connection's timeout waited for the stuck connection");
        Assert.Equal(DisconnectKind.TimedOut, idle.LostReason?.Kind);
        Assert.False(stuckConn.IsClosed);
        Assert.Equal(0, stuck.Timeouts);
        Assert.Equal(1, host.PendingTimers); // the stuck connection's timeout, re-filed tick after tick

        stuck.Release.Set();
        await sending.WaitAsync(Loopback.Timeout);
        host.Advance(TimeSpan.FromMilliseconds(20)); // it runs on the first tick after the callback ended
        Assert.True(stuckConn.IsClosed);
        Assert.Equal(DisconnectKind.TimedOut, stuck.LostReason?.Kind);
        Assert.Equal(1, stuck.Timeouts);
        Assert.Equal(0, host.PendingTimers);
    }

    [Fact]
    public async Task A_reset_by_the_stuck_callback_postpones_its_own_re_filed_timeout()
    {
        using var host = new ProtocolTestHost();
        var stuck = new ResettingStall();
        var conn = host.Connect(stuck);
        var sending = Task.Run(() => conn.Send("x"));
        Assert.True(stuck.InsideDataReceived.Wait(Loopback.Timeout));
        host.Advance(TimeSpan.FromMilliseconds(1100)); // the timeout is due while the callback still runs
        stuck.Release.Set();                            // the callback resets the timeout on its way out
        await sending.WaitAsync(Loopback.Timeout);
        host.Advance(TimeSpan.FromMilliseconds(500));
        Assert.False(conn.IsClosed); // the re-filed entry took the postponed deadline
        host.Advance(TimeSpan.FromMilliseconds(600));
        Assert.True(conn.IsClosed);
    }

    private sealed class ResettingStall : Protocol
    {
        public readonly ManualResetEventSlim InsideDataReceived = new();
        public readonly ManualResetEventSlim Release = new();
        public override void ConnectionMade() => SetTimeout(TimeSpan.FromSeconds(1));

#pragma warning disable PSDK005 // blocking on purpose
        public override void DataReceived(ReadOnlySpan<byte> data)
        {
            InsideDataReceived.Set();
            Release.Wait(StallingTimed.MaxStall);
            ResetTimeout(); // activity observed at the end of the slow callback
        }
#pragma warning restore PSDK005
    }

}

/// <summary>The same on real sockets (127.0.0.1, port 0): run with the other timing-sensitive socket tests.</summary>
[Collection(TimingSensitiveSockets.Name)]
public class TimerFairnessSocketTests
{
    [Fact]
    public async Task On_real_sockets_one_stuck_connection_does_not_delay_another_connections_timeout()
    {
        var made = new List<StallingTimed>();
        int index = 0;
        await using var server = await ProtocolServer.ListenTcpAsync(Loopback.AnyPort, () =>
        {
            // The first connection gets a short timeout so its entry is due (and meets the stuck callback) first.
            var protocol = Interlocked.Increment(ref index) == 1
                ? new StallingTimed { ShortTimeout = TimeSpan.FromMilliseconds(200) }
                : new StallingTimed();
            lock (made) made.Add(protocol);
            return protocol;
        });

        using var stuckClient = await Loopback.ConnectAsync(server.LocalEndPoint);
        await Loopback.WaitUntilAsync(() => { lock (made) return made.Count == 1; }, "first connection made");
        StallingTimed stuck;
        lock (made) stuck = made[0];
        try
        {
            stuckClient.Send("x"u8);
            Assert.True(stuck.InsideDataReceived.Wait(Loopback.Timeout));

            var watch = Stopwatch.StartNew();
            using var idleClient = await Loopback.ConnectAsync(server.LocalEndPoint);
            await Loopback.WaitForCloseAsync(idleClient);
            var closedAfter = watch.Elapsed;

            Assert.False(stuck.Lost.IsSet);              // still inside DataReceived
            Assert.InRange(closedAfter.TotalSeconds, 0.9, 4.0); // 1 s timeout; before the fix it waited for the stall (8 s)
            StallingTimed idle;
            lock (made) idle = made[1];
            Assert.True(idle.Lost.Wait(Loopback.Timeout));
            Assert.Equal(DisconnectKind.TimedOut, idle.LostReason?.Kind);
        }
        finally
        {
            stuck.Release.Set();
        }
        Assert.True(stuck.Lost.Wait(Loopback.Timeout)); // its own timeout runs once the callback returned
        Assert.Equal(DisconnectKind.TimedOut, stuck.LostReason?.Kind);
    }
}
