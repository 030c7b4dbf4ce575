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
[MinDataRate(BytesPerSecond = SlowlorisGuarded.MinRate, GraceSeconds = SlowlorisGuarded.GraceSeconds)]
public sealed partial class SlowlorisGuarded : TrackedEcho
{
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
[MinDataRate(BytesPerSecond = 1, GraceSeconds = 5)]
[LogTraffic(LengthLimit = 16)]
[UsePolicy(typeof(CountingPolicy))]
public sealed partial class SoakProtocol : TrackedEcho
{
    public const int TotalLimit = 256;
    public const int PerPeerLimit = 32;

    public SoakProtocol(Lifecycle lifecycle) : base(lifecycle) { }
}

/// <summary>A [UsePolicy] struct that throws on data starting with 'P' (scenario 5).</summary>
public struct ThrowingPolicy : IConnectionPolicy
{
    public ConnectionAdmission OnAdmit(Transport transport) => ConnectionAdmission.Accept;
    public void OnConnectionMade(Protocol protocol, Transport transport) { }

    public void OnDataReceived(Protocol protocol, ReadOnlySpan<byte> data)
    {
        if (!data.IsEmpty && data[0] == (byte)'P')
        {
            var ex = new InvalidOperationException("policy boom " + Guid.NewGuid());
            ((ThrowerBase)protocol).Thrown = ex;
            throw ex;
        }
    }

    public void OnDataWritten(Protocol protocol, ReadOnlySpan<byte> data) { }
    public void OnConnectionLost(Protocol protocol, DisconnectReason reason) { }
}

/// <summary>Where a thrower throws.</summary>
public enum ThrowAt { Nowhere, ConnectionMade, DataReceived, ConnectionLost, TimeoutConnection, MessageReceived, Policy }

/// <summary>Scenario 5: throws from the chosen callback.</summary>
public abstract class ThrowerBase : Protocol
{
    protected ThrowerBase(ThrowAt at) => At = at;

    public ThrowAt At { get; }
    public Exception? Thrown;
    public DisconnectReason? Reason;
    public readonly TaskCompletionSource Lost = new(TaskCreationOptions.RunContinuationsAsynchronously);

    protected Exception Boom(string where) => Thrown = new InvalidOperationException($"{where} boom {Guid.NewGuid()}");

    public override void ConnectionMade()
    {
        if (At == ThrowAt.ConnectionMade) throw Boom("made");
        if (At == ThrowAt.TimeoutConnection) SetTimeout(TimeSpan.FromMilliseconds(200));
        Transport.Write("hi\n"u8);
    }

    protected override void TimeoutConnection()
    {
        if (At == ThrowAt.TimeoutConnection) throw Boom("timeout");
        base.TimeoutConnection();
    }

    public override void ConnectionLost(DisconnectReason reason)
    {
        Reason = reason;
        Lost.TrySetResult();
        if (At == ThrowAt.ConnectionLost) throw Boom("lost");
    }
}

/// <summary>Unframed: echoes raw data, or throws from DataReceived.</summary>
[UsePolicy(typeof(ThrowingPolicy))]
public sealed partial class Thrower : ThrowerBase
{
    public Thrower(ThrowAt at) : base(at) { }

    public override void DataReceived(ReadOnlySpan<byte> data)
    {
        if (At == ThrowAt.DataReceived) throw Boom("data");
        Transport.Write(data);
    }
}

/// <summary>Generated [LineFraming]: echoes lines, or throws from MessageReceived.</summary>
[LineFraming(MaxLength = 1024, Delimiter = "\n")]
[UsePolicy(typeof(ThrowingPolicy))]
public sealed partial class FramedThrower : ThrowerBase
{
    public FramedThrower(ThrowAt at) : base(at) { }

    public override void MessageReceived(ReadOnlySpan<byte> message)
    {
        if (At == ThrowAt.MessageReceived) throw Boom("message");
        SendMessage(message);
    }
}

/// <summary>Scenario 6: generated [LineFraming] (delimiter \r\n) echo. Buffered reads the generated framer field.</summary>
[LineFraming(MaxLength = LineEcho.MaxLength)]
public sealed partial class LineEcho : Protocol
{
    public const int MaxLength = 1024;
    public int Messages;
    public DisconnectReason? Reason;

    public int Buffered => __psdkFramer?.BufferedBytes ?? 0;

    public override void MessageReceived(ReadOnlySpan<byte> message)
    {
        Messages++;
        SendMessage(message);
    }

    public override void ConnectionLost(DisconnectReason reason) => Reason = reason;
}

/// <summary>Scenario 6: generated [LengthPrefixFraming] (4-byte big-endian prefix) echo.</summary>
[LengthPrefixFraming(MaxLength = FrameEcho.MaxLength)]
public sealed partial class FrameEcho : Protocol
{
    public const int MaxLength = 64 * 1024;
    public int Messages;
    public DisconnectReason? Reason;

    public int Buffered => __psdkFramer?.BufferedBytes ?? 0;

    public override void MessageReceived(ReadOnlySpan<byte> message)
    {
        Messages++;
        SendMessage(message);
    }

    public override void ConnectionLost(DisconnectReason reason) => Reason = reason;
}
