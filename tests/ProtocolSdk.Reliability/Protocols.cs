using ProtocolSdk.Framing;
using ProtocolSdk.Policies;
using ProtocolSdk.Reliability.Support;

namespace ProtocolSdk.Reliability;

/// <summary>Echo with lifecycle tracking (exactly one ConnectionLost per ConnectionMade, no overlapping callbacks).</summary>
public abstract class TrackedEcho : Protocol
{
    protected TrackedEcho(Lifecycle? lifecycle) => State = lifecycle?.New() ?? new TrackedState();

    public TrackedState State { get; }

    public override void ConnectionMade()
    {
        State.Enter();
        State.CountMade();
        State.Exit();
    }

    public override void DataReceived(ReadOnlySpan<byte> data)
    {
        State.Enter();
        try
        {
            Transport.Write(data);
        }
        finally
        {
            State.Exit();
        }
    }

    public override void ConnectionLost(DisconnectReason reason)
    {
        State.Enter();
        State.Reason = reason;
        State.CountLost();
        State.Exit();
        State.LostSignal.TrySetResult();
    }
}

/// <summary>
/// Scenario 1: slow senders. Idle timeout 3 s; at most 100 connections per peer (the attackers share 127.0.0.1);
/// minimum inbound rate 16 B/s measured over 2 s windows (the attackers send 1 B/s).
/// </summary>
[Timeout(3)]
[MaxConnections(Total = 2000, PerPeer = SlowlorisGuarded.PerPeerLimit)]
public sealed partial class SlowlorisGuarded : TrackedEcho
{
    // Hand-wired until the generator emits [MinDataRate] (branch gen2); then this becomes the attribute.
    private static readonly MinDataRatePolicy Rate = new(MinRate, GraceSeconds);
    private MinDataRateSession _rate;

    public override void ConnectionMade()
    {
        _rate = Rate.Start(Transport);
        base.ConnectionMade();
    }

    public override void ConnectionLost(DisconnectReason reason)
    {
        _rate.Stop();
        base.ConnectionLost(reason);
    }

    public const int PerPeerLimit = 100;
    public const double MinRate = 16;
    public const double GraceSeconds = 2;
    public const double TimeoutSeconds = 3;

    public SlowlorisGuarded(Lifecycle lifecycle) : base(lifecycle) { }
}

/// <summary>Scenario 2: connection flood against both limits.</summary>
[MaxConnections(Total = FloodGuarded.TotalLimit, PerPeer = FloodGuarded.PerPeerLimit)]
[Timeout(10)]
public sealed partial class FloodGuarded : TrackedEcho
{
    public const int TotalLimit = 64;
    public const int PerPeerLimit = 32;

    public FloodGuarded(Lifecycle lifecycle) : base(lifecycle) { }
}

/// <summary>Scenario 4: resets and half-closes. '!' aborts, '~' closes gracefully, everything is echoed.</summary>
[MaxConnections(Total = FaultEcho.TotalLimit, PerPeer = FaultEcho.TotalLimit)]
[Timeout(20)]
public sealed partial class FaultEcho : TrackedEcho
{
    public const int TotalLimit = 48;

    public FaultEcho(Lifecycle lifecycle) : base(lifecycle) { }

    public override void DataReceived(ReadOnlySpan<byte> data)
    {
        base.DataReceived(data);
        if (data.IndexOf((byte)'!') >= 0) Transport.Abort();
        else if (data.IndexOf((byte)'~') >= 0) Transport.LoseConnection();
    }
}

/// <summary>Counts policy events; thread-safe because OnDataWritten runs on the writer's thread.</summary>
public struct CountingPolicy : IConnectionPolicy
{
    public static long Made, Lost, Chunks;

    public ConnectionAdmission OnAdmit(Transport transport) => ConnectionAdmission.Accept;
    public void OnConnectionMade(Protocol protocol, Transport transport) => Interlocked.Increment(ref Made);
    public void OnDataReceived(Protocol protocol, ReadOnlySpan<byte> data) => Interlocked.Increment(ref Chunks);
    public void OnDataWritten(Protocol protocol, ReadOnlySpan<byte> data) { }
    public void OnConnectionLost(Protocol protocol, DisconnectReason reason) => Interlocked.Increment(ref Lost);
}

/// <summary>Scenario 7: every policy at once (limits generous enough for the churn; the rate floor only bites on stalls).</summary>
[Throttle(ReadBytesPerSecond = 64 * 1024 * 1024, WriteBytesPerSecond = 64 * 1024 * 1024)]
[Timeout(10)]
[MaxConnections(Total = SoakProtocol.TotalLimit, PerPeer = SoakProtocol.PerPeerLimit)]
[LogTraffic(LengthLimit = 16)]
[UsePolicy(typeof(CountingPolicy))]
public sealed partial class SoakProtocol : TrackedEcho
{
    // Hand-wired until the generator emits [MinDataRate] (branch gen2).
    private static readonly MinDataRatePolicy Rate = new(1, 5);
    private MinDataRateSession _rate;

    public override void ConnectionMade()
    {
        _rate = Rate.Start(Transport);
        base.ConnectionMade();
    }

    public override void ConnectionLost(DisconnectReason reason)
    {
        _rate.Stop();
        base.ConnectionLost(reason);
    }

    public const int TotalLimit = 256;
    public const int PerPeerLimit = 32;

    public SoakProtocol(Lifecycle lifecycle) : base(lifecycle) { }
}

/// <summary>A [UsePolicy] struct that throws on data starting with 'P' (scenario 5).</summary>
public struct ThrowingPolicy : IConnectionPolicy
{
    public static readonly AsyncLocal<int> Unused = new();

    public ConnectionAdmission OnAdmit(Transport transport) => ConnectionAdmission.Accept;
    public void OnConnectionMade(Protocol protocol, Transport transport) { }

    public void OnDataReceived(Protocol protocol, ReadOnlySpan<byte> data)
    {
        if (!data.IsEmpty && data[0] == (byte)'P')
        {
            var ex = new InvalidOperationException("policy boom " + Guid.NewGuid());
            ((Thrower)protocol).Thrown = ex;
            throw ex;
        }
    }

    public void OnDataWritten(Protocol protocol, ReadOnlySpan<byte> data) { }
    public void OnConnectionLost(Protocol protocol, DisconnectReason reason) { }
}

/// <summary>Where <see cref="Thrower"/> throws.</summary>
public enum ThrowAt { Nowhere, ConnectionMade, DataReceived, ConnectionLost, TimeoutConnection, MessageReceived, Policy }

/// <summary>Scenario 5: throws from the chosen callback; lines are framed by a hand-wired LineFramer.</summary>
[UsePolicy(typeof(ThrowingPolicy))]
public sealed partial class Thrower : Protocol
{
    private readonly LineFramer _lines = new(1024, "\n");
    private readonly ThrowAt _at;

    public Thrower(ThrowAt at) => _at = at;

    public Exception? Thrown;
    public DisconnectReason? Reason;
    public readonly TaskCompletionSource Lost = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private Exception Boom(string where) => Thrown = new InvalidOperationException($"{where} boom {Guid.NewGuid()}");

    public override void ConnectionMade()
    {
        if (_at == ThrowAt.ConnectionMade) throw Boom("made");
        if (_at == ThrowAt.TimeoutConnection) SetTimeout(TimeSpan.FromMilliseconds(200));
        Transport.Write("hi\n"u8);
    }

    public override void DataReceived(ReadOnlySpan<byte> data)
    {
        if (_at == ThrowAt.DataReceived) throw Boom("data");
        _lines.Feed(this, data);
    }

    public override void MessageReceived(ReadOnlySpan<byte> message)
    {
        if (_at == ThrowAt.MessageReceived) throw Boom("message");
        Transport.Write(message);
        Transport.Write("\n"u8);
    }

    protected override void TimeoutConnection()
    {
        if (_at == ThrowAt.TimeoutConnection) throw Boom("timeout");
        base.TimeoutConnection();
    }

    public override void ConnectionLost(DisconnectReason reason)
    {
        Reason = reason;
        _lines.Dispose();
        Lost.TrySetResult();
        if (_at == ThrowAt.ConnectionLost) throw Boom("lost");
    }
}

/// <summary>Scenario 6: a line protocol and a length-prefixed protocol over hand-wired framers.</summary>
public sealed class LineEcho : Protocol
{
    public const int MaxLength = 1024;
    private readonly LineFramer _framer = new(MaxLength, "\r\n");
    public int Messages;
    public DisconnectReason? Reason;
    public int BufferedMax;

    public int Buffered => _framer.BufferedBytes;

    public override void DataReceived(ReadOnlySpan<byte> data)
    {
        _framer.Feed(this, data);
        BufferedMax = Math.Max(BufferedMax, _framer.BufferedBytes);
    }

    public override void MessageReceived(ReadOnlySpan<byte> message)
    {
        Messages++;
        _framer.Send(Transport, message);
    }

    public override void ConnectionLost(DisconnectReason reason)
    {
        Reason = reason;
        _framer.Dispose();
    }
}

public sealed class FrameEcho : Protocol
{
    public const int MaxLength = 64 * 1024;
    private readonly LengthPrefixFramer _framer = new(4, MaxLength, bigEndian: true);
    public int Messages;
    public DisconnectReason? Reason;
    public int BufferedMax;

    public int Buffered => _framer.BufferedBytes;

    public override void DataReceived(ReadOnlySpan<byte> data)
    {
        _framer.Feed(this, data);
        BufferedMax = Math.Max(BufferedMax, _framer.BufferedBytes);
    }

    public override void MessageReceived(ReadOnlySpan<byte> message)
    {
        Messages++;
        _framer.Send(Transport, message);
    }

    public override void ConnectionLost(DisconnectReason reason)
    {
        Reason = reason;
        _framer.Dispose();
    }
}
