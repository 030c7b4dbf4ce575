using System;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;

namespace ProtocolSdk.Sockets;

/// <summary>
/// The byte pipe under a <see cref="SocketTransport"/>: the few socket operations it uses, so the same transport (its
/// TLS layer, handshake deadline, STARTTLS, close path and wire-byte counts) runs over a real socket
/// (<see cref="SocketMedium"/>) and over memory in the test kit (<see cref="Internal.MemoryMedium"/>). Semantics are
/// those of a non-blocking TCP socket, and so are the failures: <see cref="SocketException"/> for a broken connection,
/// <see cref="ObjectDisposedException"/> once this end was closed.
/// </summary>
internal abstract class ConnectionMedium
{
    public abstract IPEndPoint RemoteEndPoint { get; }

    public abstract IPEndPoint LocalEndPoint { get; }

    /// <summary>Received bytes not read yet (0 when unknown or closed).</summary>
    public abstract int Available { get; }

    /// <summary>
    /// False when a <see cref="Receive"/> now would certainly find nothing (no readiness since the last read drained the
    /// socket), so a caller that polls, such as OpenSSL reading through the TLS engine's BIO, can skip the system call.
    /// </summary>
    public virtual bool MayHaveInput => true;

    /// <summary>
    /// Reads what is there without waiting: the count read (0 with <see cref="SocketError.Success"/> at end of stream),
    /// or 0 with <see cref="SocketError.WouldBlock"/> when nothing is there yet.
    /// </summary>
    public abstract int Receive(Span<byte> buffer, out SocketError error);

    /// <summary>Waits for data and reads it (0 at end of stream); an empty buffer only waits (a zero-byte receive).</summary>
    public abstract ValueTask<int> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken = default);

    /// <summary>Sends what the medium takes without waiting: the count taken, or 0 with <see cref="SocketError.WouldBlock"/>.</summary>
    public abstract int Send(ReadOnlySpan<byte> data, out SocketError error);

    /// <summary>Waits until the medium takes at least one byte; returns how many it took.</summary>
    public abstract ValueTask<int> SendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default);

    /// <summary>Sends FIN after everything sent so far; the receive side stays open.</summary>
    public abstract void ShutdownSend();

    /// <summary>Closes this end: with a reset the peer learns at once (<paramref name="abort"/>), else plainly (FIN).</summary>
    public abstract void Close(bool abort);
}
