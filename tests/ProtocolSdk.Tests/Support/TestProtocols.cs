using System.Collections.Concurrent;

namespace ProtocolSdk.Tests.Support;

public sealed class EchoProtocol : Protocol
{
    public override void DataReceived(ReadOnlySpan<byte> data) => Transport.Write(data);
}

/// <summary>Records callbacks and checks they never overlap for one instance.</summary>
public class RecordingProtocol : Protocol
{
    private int _inCallback;
    public int Made;
    public int Lost;
    public int Overlaps;
    public long Received;
    public DisconnectReason? LostReason;
    public readonly TaskCompletionSource LostSignal = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public readonly TaskCompletionSource MadeSignal = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public bool Echo { get; init; }

    private void Enter() { if (Interlocked.Exchange(ref _inCallback, 1) != 0) Interlocked.Increment(ref Overlaps); }
    private void Exit() => Volatile.Write(ref _inCallback, 0);

    public override void ConnectionMade()
    {
        Enter();
        Interlocked.Increment(ref Made);
        Exit();
        MadeSignal.TrySetResult();
    }

    public override void DataReceived(ReadOnlySpan<byte> data)
    {
        Enter();
        Received += data.Length;
        if (Echo) Transport.Write(data);
        Thread.SpinWait(20);
        Exit();
    }

    public override void ConnectionLost(DisconnectReason reason)
    {
        Enter();
        Interlocked.Increment(ref Lost);
        LostReason = reason;
        Exit();
        LostSignal.TrySetResult();
    }
}

/// <summary>Collects every protocol a server created, for assertions over all connections.</summary>
public sealed class ProtocolCollector<T> where T : Protocol
{
    public readonly ConcurrentQueue<T> All = new();
    public Func<T> Wrap(Func<T> create) => () => { var p = create(); All.Enqueue(p); return p; };
}
