using System;
using System.IO;
using System.Net.Security;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Authentication;
using System.Threading;
using System.Threading.Tasks;
using ProtocolSdk.Internal;

namespace ProtocolSdk.Sockets.Tls;

/// <summary>
/// A server connection's TLS on the SDK's own engine: an OpenSSL <c>SSL</c> object whose BIO is the connection's medium
/// itself (<see cref="BioMethod"/>): OpenSSL reads ciphertext straight from the socket into its record buffer and
/// writes records into <see cref="_output"/>, which goes to the socket right after each call. With
/// <c>SSL_MODE_RELEASE_BUFFERS</c> (set on the <see cref="OpenSslContext"/>) an idle connection holds no record
/// buffer, no managed buffer and no pending read: about 17 KB of OpenSSL state instead of the 50 KB it keeps under
/// <see cref="System.Net.Security.SslStream"/>.
/// <para>
/// OpenSSL objects are not thread-safe: every call on the <c>SSL</c> object runs under a lock (the receive loop's
/// reads and the send loop's writes may overlap). The calls never wait: a read that needs more input returns, and the
/// caller waits on the medium outside the lock. Ciphertext the kernel refuses stays in <see cref="_output"/>; one
/// async drain at a time (<see cref="_draining"/>) sends it, in order, while others only append.
/// </para>
/// </summary>
internal sealed partial class OpenSslLayer : TlsLayer
{
    private readonly OpenSslContext _context; // held so the context (and its ALPN list) outlives the connection
    private readonly ConnectionMedium _medium;
    private readonly SocketTransport _transport;
    private readonly SslHandle _ssl; // also the lock

    private Exception? _mediumFailure; // what the medium reported inside a BIO call, thrown once the OpenSSL call returns
    private byte[]? _output;           // ciphertext written by OpenSSL and not yet taken by the kernel (rented)
    private int _outputStart, _outputEnd;
    private bool _draining;            // an async drain is sending from _output: others only append
    private bool _inputEnded;          // the medium reported the end of the stream (OpenSSL asks, BIO_CTRL_EOF)
    private long _produced;            // ciphertext OpenSSL wrote so far (the record overhead of a write is the difference)

    public OpenSslLayer(OpenSslContext context, ConnectionMedium medium, SocketTransport transport)
    {
        _context = context;
        _medium = medium;
        _transport = transport;
        _ssl = SslHandle.Create(context.Handle, this);
    }

    public override async Task AuthenticateAsync(TlsStart start)
    {
        try
        {
            while (true)
            {
                bool done = HandshakeStep();
                if (HasOutputToFlush) await DrainAsync().ConfigureAwait(false); // our flight goes out before we wait for theirs
                if (done) return;
                await _medium.ReceiveAsync(Memory<byte>.Empty).ConfigureAwait(false);
            }
        }
        finally
        {
            NativeHeapTrim.Request(); // the handshake's working memory is freed: give its pages back after a burst
        }
    }

    /// <summary>One non-blocking step of the handshake: true when it completed, false when it needs input.</summary>
    private bool HandshakeStep()
    {
        lock (_ssl)
        {
            nint ssl = Begin();
            int result = LibSsl.SSL_do_handshake(ssl);
            int error = result == 1 ? LibSsl.SSL_ERROR_NONE : LibSsl.SSL_get_error(ssl, result);
            if (error is LibSsl.SSL_ERROR_NONE or LibSsl.SSL_ERROR_WANT_READ)
            {
                SendOutputNow();
                return error == LibSsl.SSL_ERROR_NONE;
            }
            throw Failure(error, handshake: true);
        }
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer)
    {
        if (buffer.IsEmpty)
        {
            if (HasInput()) return new ValueTask<int>(0);
            return _medium.ReceiveAsync(Memory<byte>.Empty);
        }
        int n = TryRead(buffer.Span);
        return n >= 0 ? new ValueTask<int>(n) : ReadWhenReadableAsync(buffer);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<int> ReadWhenReadableAsync(Memory<byte> buffer)
    {
        while (true)
        {
            await _medium.ReceiveAsync(Memory<byte>.Empty).ConfigureAwait(false);
            int n = TryRead(buffer.Span);
            if (n >= 0) return n;
        }
    }

    /// <summary>
    /// Whether a read would not wait: a peek at one byte, which also finds records OpenSSL read ahead (with the
    /// handshake, or with the last read) while the socket has nothing. When it has to wait, OpenSSL lets go of its read
    /// buffer (<c>SSL_MODE_RELEASE_BUFFERS</c> frees it only when a read finds nothing), so an idle connection, right
    /// after its handshake too, holds none.
    /// </summary>
    private unsafe bool HasInput()
    {
        bool hasInput, flushLater;
        lock (_ssl)
        {
            nint ssl = Begin();
            byte one;
            nuint peeked;
            int result = LibSsl.SSL_peek_ex(ssl, &one, 1, &peeked);
            // WANT_READ: nothing yet. Anything else is input, the end or a failure: the read that follows reports it.
            hasInput = result == 1 || LibSsl.SSL_get_error(ssl, result) != LibSsl.SSL_ERROR_WANT_READ;
            if (!hasInput) LibSsl.TakeErrors();
            // A peek processes records too: one may have made OpenSSL answer (a refused renegotiation's alert).
            flushLater = !SendOutputNow();
        }
        if (flushLater) _transport.RequestTlsFlush();
        return hasInput;
    }

    /// <summary>
    /// Plaintext read without waiting: the count (0 at the end of the stream), or -1 when OpenSSL needs more input.
    /// OpenSSL returns one record per call; records it already holds (read ahead in one recv) are read on into the
    /// same buffer, so many small messages make one delivery, as with SslStream.
    /// </summary>
    private unsafe int TryRead(Span<byte> buffer)
    {
        bool flushLater;
        int total = 0;
        lock (_ssl)
        {
            nint ssl = Begin();
            fixed (byte* bytes = buffer)
            {
                while (true)
                {
                    nuint read;
                    int result = LibSsl.SSL_read_ex(ssl, bytes + total, (nuint)(buffer.Length - total), &read);
                    if (result == 1)
                    {
                        total += (int)read;
                        if (total == buffer.Length || LibSsl.SSL_has_pending(ssl) == 0) break;
                        continue;
                    }
                    int error = LibSsl.SSL_get_error(ssl, result);
                    if (total > 0)
                    {
                        LibSsl.TakeErrors(); // the end or a failure is reported by the next read (OpenSSL keeps its state)
                        break;
                    }
                    if (error == LibSsl.SSL_ERROR_WANT_READ) total = -1;
                    else if (error != LibSsl.SSL_ERROR_ZERO_RETURN) throw Failure(error, handshake: false); // ZERO_RETURN: close_notify, or the end
                    break;
                }
            }
            // A read may answer (an alert): what the kernel refuses now goes with the send loop.
            flushLater = !SendOutputNow();
        }
        if (flushLater) _transport.RequestTlsFlush();
        return total;
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> plaintext)
    {
        lock (_ssl)
        {
            Encrypt(plaintext.Span);
            if (SendOutputNow()) return default;
        }
        return DrainAsync();
    }

    public override bool WritesInline => true;

    public override bool ChargesWriteOverhead => true;

    /// <summary>
    /// The most plaintext one inline write encrypts (four full records): a larger write leaves the rest to the send
    /// loop as plaintext, so the ciphertext waiting inside the engine stays small whatever the write's size.
    /// </summary>
    internal const int InlineWriteLimit = 64 * 1024;

    public override int TryWriteNow(ReadOnlySpan<byte> plaintext)
    {
        lock (_ssl)
        {
            if (_draining || _outputEnd != _outputStart) return 0; // after what waits: the send loop sends it in order
            var taken = plaintext.Length > InlineWriteLimit ? plaintext[..InlineWriteLimit] : plaintext;
            Encrypt(taken);
            SendOutputNow(); // what the kernel refuses waits in _output: HasOutputToFlush tells the transport
            return taken.Length;
        }
    }

    /// <summary>Under the lock: encrypts all of <paramref name="plaintext"/> into records, and charges their overhead to a write throttle.</summary>
    private unsafe void Encrypt(ReadOnlySpan<byte> plaintext)
    {
        nint ssl = Begin();
        long producedBefore = _produced;
        var span = plaintext;
        while (!span.IsEmpty)
        {
            nuint written;
            int result;
            fixed (byte* bytes = span)
            {
                result = LibSsl.SSL_write_ex(ssl, bytes, (nuint)span.Length, &written);
            }
            // The BIO takes everything (what the kernel refuses waits in _output), so OpenSSL never asks to retry.
            if (result != 1) throw Failure(LibSsl.SSL_get_error(ssl, result), handshake: false);
            span = span[(int)written..];
        }
        // A write throttle granted the plaintext; the record overhead is charged on top, so it limits the wire.
        _transport.ChargeTlsWriteOverhead(_produced - producedBefore - plaintext.Length);
    }

    public override bool HasOutputToFlush => Volatile.Read(ref _outputEnd) != Volatile.Read(ref _outputStart);

    public override ValueTask FlushAsync() => DrainAsync();

    public override async Task ShutdownAsync()
    {
        lock (_ssl)
        {
            nint ssl = Begin();
            int result = LibSsl.SSL_shutdown(ssl); // sends close_notify; we do not wait for the peer's
            if (result < 0) throw Failure(LibSsl.SSL_get_error(ssl, result), handshake: false);
            if (SendOutputNow()) return;
        }
        await DrainAsync().ConfigureAwait(false);
    }

    public override unsafe TlsConnectionInfo GetConnectionInfo()
    {
        lock (_ssl)
        {
            nint ssl = Begin();
            var protocol = LibSsl.SSL_version(ssl) switch
            {
                LibSsl.TLS1_3_VERSION => SslProtocols.Tls13,
                LibSsl.TLS1_2_VERSION => SslProtocols.Tls12,
                _ => SslProtocols.None,
            };
            nint cipher = LibSsl.SSL_get_current_cipher(ssl);
            var suite = cipher == 0 ? default : (TlsCipherSuite)LibSsl.SSL_CIPHER_get_protocol_id(cipher);
            byte* alpn;
            uint alpnLength;
            LibSsl.SSL_get0_alpn_selected(ssl, &alpn, &alpnLength);
            var application = alpnLength == 0 ? default : new SslApplicationProtocol(new ReadOnlySpan<byte>(alpn, (int)alpnLength).ToArray());
            byte* name = LibSsl.SSL_get_servername(ssl, LibSsl.TLSEXT_NAMETYPE_host_name);
            string? hostName = name is null ? null : Marshal.PtrToStringUTF8((nint)name);
            return new TlsConnectionInfo(protocol, suite, application, string.IsNullOrEmpty(hostName) ? null : hostName, remoteCertificate: null);
        }
    }

    public override void Dispose()
    {
        lock (_ssl)
        {
            _ssl.Dispose();
            if (!_draining) ReturnOutput();
        }
        NativeHeapTrim.Request();
    }

    /// <summary>Under the lock: the <c>SSL</c> pointer, with this thread's error queue emptied for the call.</summary>
    private nint Begin()
    {
        if (_ssl.IsClosed) throw new ObjectDisposedException(nameof(OpenSslLayer));
        LibSsl.ERR_clear_error();
        _mediumFailure = null;
        return _ssl.DangerousGetHandle();
    }

    /// <summary>The exception for a failed OpenSSL call: the medium's own failure first, then OpenSSL's reason.</summary>
    private Exception Failure(int error, bool handshake)
    {
        string? reason = LibSsl.TakeErrors();
        if (_mediumFailure is { } failure) return failure;
        if (reason is null)
        {
            // SSL_ERROR_SYSCALL with nothing queued (or a close_notify mid-handshake): the stream ended.
            return new IOException(handshake ? "The peer closed the connection during the TLS handshake." : "The TLS connection ended unexpectedly (OpenSSL error " + error + ").");
        }
        return handshake ? new AuthenticationException(reason) : new IOException("TLS failed: " + reason);
    }
}
