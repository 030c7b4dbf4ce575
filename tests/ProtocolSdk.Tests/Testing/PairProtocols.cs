using System.Text;

namespace ProtocolSdk.Tests.Testing;

/// <summary>
/// One end of a pair test: records what it received (and whether TLS was up then), counts its callbacks, and lets
/// the test wait for a byte count. Echoes with <see cref="Echo"/>.
/// </summary>
public class PairProbe : Protocol
{
    private readonly MemoryStream _received = new();
    private (int Count, TaskCompletionSource Signal)? _waiter;
    public bool Echo { get; init; }
    public int MadeCount, LostCount, ReadLostCount, HandshakeCompletedCount;
    public TlsConnectionInfo? TlsAtConnectionMade;
    public DisconnectReason? LostReason;
    public readonly TaskCompletionSource Lost = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public readonly TaskCompletionSource ReadLost = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public byte[] Received
    {
        get { lock (_received) return _received.ToArray(); }
    }

    public long ReceivedCount
    {
        get { lock (_received) return _received.Length; }
    }

    /// <summary>Completes once at least <paramref name="count"/> bytes arrived in all.</summary>
    public Task WhenReceived(int count)
    {
        lock (_received)
        {
            if (_received.Length >= count) return Task.CompletedTask;
            var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiter = (count, signal);
            return signal.Task;
        }
    }

    /// <summary>Written in ConnectionMade.</summary>
    public byte[]? Greeting { get; init; }

    /// <summary>Pauses reading in ConnectionMade: a peer that does not read.</summary>
    public bool PauseOnConnect { get; init; }

    public override void ConnectionMade()
    {
        TlsAtConnectionMade = Transport.Tls;
        Interlocked.Increment(ref MadeCount);
        if (PauseOnConnect) Transport.PauseReading();
        if (Greeting is not null) Transport.Write(Greeting);
    }

    public override void DataReceived(ReadOnlySpan<byte> data)
    {
        lock (_received)
        {
            _received.Write(data);
            if (_waiter is { } waiter && _received.Length >= waiter.Count)
            {
                _waiter = null;
                waiter.Signal.TrySetResult();
            }
        }
        if (Echo) Transport.Write(data);
    }

    public override void ReadConnectionLost()
    {
        Interlocked.Increment(ref ReadLostCount);
        ReadLost.TrySetResult();
        base.ReadConnectionLost();
    }

    public override void TlsHandshakeCompleted() => Interlocked.Increment(ref HandshakeCompletedCount);

    public override void ConnectionLost(DisconnectReason reason)
    {
        LostReason = reason;
        Interlocked.Increment(ref LostCount);
        Lost.TrySetResult();
    }
}

/// <summary>An idle timeout over TLS: closes after 30 s without input, on the host's fake clock.</summary>
[Timeout(30)]
public sealed partial class TimedPairProbe : PairProbe
{
}

/// <summary>A read throttle with a burst of ten seconds' worth, so the test can advance the fake clock in big steps.</summary>
[Throttle(ReadBytesPerSecond = ThrottledPairSink.Rate, BurstBytes = ThrottledPairSink.Burst)]
public sealed partial class ThrottledPairSink : PairProbe
{
    public const int Rate = 50_000, Burst = 500_000;
}

/// <summary>A line server with STARTTLS, as SMTP or IMAP has: the reply before StartTls is plaintext, after it encrypted.</summary>
[LineFraming(MaxLength = 1024, Delimiter = "\r\n")]
public sealed partial class StartTlsLineServer : Protocol
{
    public readonly List<string> Lines = new();
    public int HandshakesCompleted;
    public TlsConnectionInfo? TlsAtCompletion;
    public required System.Net.Security.SslServerAuthenticationOptions Tls { get; init; }

    public override void MessageReceived(ReadOnlySpan<byte> message)
    {
        string line = Encoding.ASCII.GetString(message);
        if (line == "STARTTLS")
        {
            SendMessage("OK go ahead"u8);           // before StartTls: plaintext
            Transport.StartTls(Tls);
            SendMessage("WELCOME encrypted"u8);     // after StartTls: waits for the handshake, then encrypted
            return;
        }
        lock (Lines) Lines.Add(line);
        SendMessage(Encoding.ASCII.GetBytes("GOT " + line));
    }

    public override void TlsHandshakeCompleted()
    {
        Interlocked.Increment(ref HandshakesCompleted);
        TlsAtCompletion = Transport.Tls;
    }
}

/// <summary>
/// The client of <see cref="StartTlsLineServer"/>: pipelines a line after STARTTLS in the same write (the injection a
/// man in the middle would make), upgrades on the go-ahead, then sends one line over TLS.
/// </summary>
[LineFraming(MaxLength = 1024, Delimiter = "\r\n")]
public sealed partial class StartTlsLineClient : Protocol
{
    public readonly List<(string Line, bool OverTls)> Replies = new();
    public int HandshakesCompleted;
    public readonly TaskCompletionSource Done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public required System.Net.Security.SslClientAuthenticationOptions Tls { get; init; }

    public override void ConnectionMade() => Transport.Write("HELLO\r\nSTARTTLS\r\nINJECTED\r\n"u8); // one chunk

    public override void MessageReceived(ReadOnlySpan<byte> message)
    {
        string line = Encoding.ASCII.GetString(message);
        lock (Replies) Replies.Add((line, Transport.Tls is not null));
        if (line == "OK go ahead") Transport.StartTls(Tls);
        else if (line == "GOT AFTER") Done.TrySetResult();
    }

    public override void TlsHandshakeCompleted()
    {
        Interlocked.Increment(ref HandshakesCompleted);
        SendMessage("AFTER"u8);
    }
}

/// <summary>At most one connection at a time, handshaking ones included.</summary>
[MaxConnections(Total = 1)]
public sealed partial class SingleConnectionProbe : PairProbe
{
}
