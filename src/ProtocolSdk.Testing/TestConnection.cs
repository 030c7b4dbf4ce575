using System;
using System.Text;

namespace ProtocolSdk.Testing;

/// <summary>A test's handle on one in-memory connection: the peer's side of a <see cref="TestTransport"/>.</summary>
public sealed class TestConnection
{
    internal TestConnection(TestTransport transport) => Transport = transport;

    /// <summary>The transport the protocol sees.</summary>
    public TestTransport Transport { get; }

    /// <summary>True when admission policies refused the connection (no ConnectionMade ran).</summary>
    public bool WasRejected => Transport.WasRejected;

    /// <summary>True once the connection is closed and ConnectionLost ran.</summary>
    public bool IsClosed => Transport.ConnectionLostCount > 0 || Transport.WasRejected;

    /// <summary>The peer sends bytes.</summary>
    public void Send(ReadOnlySpan<byte> data) => Transport.PeerSend(data);

    /// <summary>The peer sends UTF-8 text.</summary>
    public void Send(string text) => Transport.PeerSend(Encoding.UTF8.GetBytes(text));

    /// <summary>Everything the protocol wrote so far, as UTF-8 text.</summary>
    public string WrittenText => Encoding.UTF8.GetString(Transport.Written);

    /// <summary>Takes (and clears) what the protocol wrote so far, as UTF-8 text.</summary>
    public string TakeWrittenText() => Encoding.UTF8.GetString(Transport.TakeWritten());

    /// <summary>The peer shuts down its sending side (half-close) and keeps reading; see <see cref="TestTransport.PeerShutdownSend"/>.</summary>
    public void ShutdownSend() => Transport.PeerShutdownSend();

    /// <summary>The peer closes cleanly.</summary>
    public void Close() => Transport.PeerClose();

    /// <summary>The peer resets the connection.</summary>
    public void Reset() => Transport.PeerReset();
}
