using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using ProtocolSdk.Policies;

namespace ProtocolSdk.Tests.Policies;

/// <summary>Records its callbacks; base of the attributed test protocols below.</summary>
public abstract class TracingProtocol : Protocol
{
    public readonly List<string> Events = new();
    public int Made;
    public int Lost;
    public DisconnectReason? LostReason;
    public bool ThrowOnData;
    public bool ThrowOnMade;

    public override void ConnectionMade()
    {
        Made++;
        Events.Add("protocol made");
        if (ThrowOnMade) throw new InvalidOperationException("boom in ConnectionMade");
    }

    public override void DataReceived(ReadOnlySpan<byte> data)
    {
        Events.Add("protocol received " + data.Length);
        if (ThrowOnData) throw new InvalidOperationException("boom in DataReceived");
    }

    public override void ConnectionLost(DisconnectReason reason)
    {
        Lost++;
        LostReason = reason;
        Events.Add("protocol lost " + reason.Kind);
    }
}

[Throttle(ReadBytesPerSecond = 1000)]
public sealed partial class ReadThrottled : TracingProtocol { }

[Throttle(WriteBytesPerSecond = 10_000)]
public sealed partial class WriteThrottled : Protocol, IPushProducer
{
    public int Pauses, Resumes, Stops;
    public bool Paused;
    public int WriteOnConnect { get; init; }
    public bool UseProducer { get; init; }

    public override void ConnectionMade()
    {
        if (UseProducer) Transport.RegisterProducer(this);
        if (WriteOnConnect > 0) Transport.Write(new byte[WriteOnConnect]);
    }

    public void PauseProducing() { Pauses++; Paused = true; }
    public void ResumeProducing() { Resumes++; Paused = false; }
    public void StopProducing() => Stops++;
}

[MaxConnections(Total = 2)]
public sealed partial class TotalLimited : TracingProtocol { }

[MaxConnections(PerPeer = 2)]
public sealed partial class PerPeerLimited : TracingProtocol { }

[MaxConnections(Total = 2, PerPeer = 1, Overflow = typeof(BusyProtocol))]
public sealed partial class OverflowLimited : TracingProtocol { }

public sealed class BusyProtocol : Protocol
{
    public override void ConnectionMade() => Transport.Write("busy\r\n"u8);
}

/// <summary>One connection at a time, with an idle timeout, so a leaked or doubly released count is visible.</summary>
[MaxConnections(Total = 1)]
[Timeout(1)]
public sealed partial class SingleSlot : TracingProtocol
{
    public bool AbortOnData;

    public override void DataReceived(ReadOnlySpan<byte> data)
    {
        base.DataReceived(data);
        if (AbortOnData) Transport.Abort();
    }
}

[Timeout(1)]
public sealed partial class TimedProtocol : TracingProtocol
{
    public int Timeouts;
    public bool ReplaceTimeoutAction;

    protected override void TimeoutConnection()
    {
        Timeouts++;
        if (ReplaceTimeoutAction)
        {
            Transport.Write("idle\r\n"u8);
            return; // stays open: the replaced action decides
        }
        base.TimeoutConnection();
    }
}

[LogTraffic(LengthLimit = 8)]
public sealed partial class LoggedProtocol : Protocol
{
    public override void DataReceived(ReadOnlySpan<byte> data) => Transport.Write(data);
}

/// <summary>Admission gate for <see cref="GatedSingleSlot"/>: a test sets what the next admission does.</summary>
public struct GatePolicy : IConnectionPolicy
{
    public static volatile int Mode; // 0 accept, 1 reject, 2 throw

    public ConnectionAdmission OnAdmit(Transport transport) => Mode switch
    {
        1 => ConnectionAdmission.Reject("gate closed"),
        2 => throw new InvalidOperationException("gate broke"),
        _ => ConnectionAdmission.Accept,
    };

    public void OnConnectionMade(Protocol protocol, Transport transport) { }
    public void OnDataReceived(Protocol protocol, ReadOnlySpan<byte> data) { }
    public void OnDataWritten(Protocol protocol, ReadOnlySpan<byte> data) { }
    public void OnConnectionLost(Protocol protocol, DisconnectReason reason) { }
}

[MaxConnections(Total = 1)]
[UsePolicy(typeof(GatePolicy))]
public sealed partial class GatedSingleSlot : TracingProtocol { }

/// <summary>Writes every hook into the protocol's event list; counts admissions.</summary>
public struct RecordingPolicy : IConnectionPolicy
{
    public static int Admissions;
    private int _events;

    public ConnectionAdmission OnAdmit(Transport transport)
    {
        Interlocked.Increment(ref Admissions);
        return ConnectionAdmission.Accept;
    }

    public void OnConnectionMade(Protocol protocol, Transport transport) => Log(protocol, "policy made");
    public void OnDataReceived(Protocol protocol, ReadOnlySpan<byte> data) => Log(protocol, "policy received " + data.Length);
    public void OnDataWritten(Protocol protocol, ReadOnlySpan<byte> data) => Log(protocol, "policy written " + data.Length);
    public void OnConnectionLost(Protocol protocol, DisconnectReason reason) => Log(protocol, "policy lost " + reason.Kind);

    private void Log(Protocol protocol, string what) => ((TracingProtocol)protocol).Events.Add($"{what} #{++_events}");
}

public struct SecondPolicy : IConnectionPolicy
{
    public ConnectionAdmission OnAdmit(Transport transport) => ConnectionAdmission.Accept;
    public void OnConnectionMade(Protocol protocol, Transport transport) => ((TracingProtocol)protocol).Events.Add("second made");
    public void OnDataReceived(Protocol protocol, ReadOnlySpan<byte> data) => ((TracingProtocol)protocol).Events.Add("second received");
    public void OnDataWritten(Protocol protocol, ReadOnlySpan<byte> data) => ((TracingProtocol)protocol).Events.Add("second written");
    public void OnConnectionLost(Protocol protocol, DisconnectReason reason) => ((TracingProtocol)protocol).Events.Add("second lost");
}

[UsePolicy(typeof(RecordingPolicy))]
[UsePolicy(typeof(SecondPolicy))]
public sealed partial class UserPolicyProtocol : TracingProtocol
{
    public override void DataReceived(ReadOnlySpan<byte> data)
    {
        base.DataReceived(data);
        Transport.Write(data);
    }
}

[Throttle(ReadBytesPerSecond = 1L << 40, WriteBytesPerSecond = 1L << 40)]
[Timeout(3600)]
[MaxConnections(Total = 10000, PerPeer = 8, Overflow = typeof(BusyProtocol))]
[LogTraffic(LengthLimit = 32)]
public sealed partial class AllPoliciesProtocol : Protocol
{
    public override void DataReceived(ReadOnlySpan<byte> data) => Transport.Write(data);
}
