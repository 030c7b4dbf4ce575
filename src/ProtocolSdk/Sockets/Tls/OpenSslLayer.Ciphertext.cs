using System;
using System.Buffers;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Security.Authentication;
using System.Threading.Tasks;

namespace ProtocolSdk.Sockets.Tls;

/// <summary>
/// The ciphertext side of <see cref="OpenSslLayer"/>: the BIO through which OpenSSL reads the medium and writes
/// records, the output buffer those records wait in, and its one-at-a-time drain; and the <c>SSL</c> object's handle.
/// </summary>
internal sealed partial class OpenSslLayer
{
    /// <summary>
    /// Under the lock: sends what OpenSSL wrote, without waiting. True when nothing is left (or a drain under way sends
    /// it); false when the kernel refused some, which then waits for a drain.
    /// </summary>
    private bool SendOutputNow()
    {
        if (_draining) return true;
        while (_outputEnd != _outputStart)
        {
            int sent = _medium.Send(_output.AsSpan(_outputStart, _outputEnd - _outputStart), out SocketError error);
            if (error == SocketError.WouldBlock) return false;
            if (error != SocketError.Success) throw new SocketException((int)error);
            _transport.OnCipherSent(sent);
            _outputStart += sent;
        }
        ReturnOutput();
        return true;
    }

    /// <summary>Sends the ciphertext left in <see cref="_output"/>, waiting for the kernel to take it (one drain at a time).</summary>
    private async ValueTask DrainAsync()
    {
        ReadOnlyMemory<byte> pending;
        lock (_ssl)
        {
            if (_draining || _outputEnd == _outputStart) return;
            _draining = true;
            pending = _output.AsMemory(_outputStart, _outputEnd - _outputStart);
        }
        try
        {
            while (true)
            {
                int sent = await _medium.SendAsync(pending).ConfigureAwait(false);
                _transport.OnCipherSent(sent);
                lock (_ssl)
                {
                    _outputStart += sent;
                    if (_outputEnd == _outputStart)
                    {
                        _draining = false;
                        ReturnOutput();
                        return;
                    }
                    pending = _output.AsMemory(_outputStart, _outputEnd - _outputStart); // appended meanwhile, maybe in a new array
                }
            }
        }
        catch
        {
            lock (_ssl) _draining = false;
            throw;
        }
    }

    /// <summary>Under the lock: OpenSSL wrote <paramref name="data"/> (the BIO's write).</summary>
    private void AppendOutput(ReadOnlySpan<byte> data)
    {
        if (_output is null)
        {
            _output = ArrayPool<byte>.Shared.Rent(Math.Max(data.Length, 16 * 1024 + 512));
            _outputStart = _outputEnd = 0;
        }
        else if (_output.Length - _outputEnd < data.Length)
        {
            int kept = _outputEnd - _outputStart;
            var grown = ArrayPool<byte>.Shared.Rent(Math.Max(kept + data.Length, _output.Length * 2));
            _output.AsSpan(_outputStart, kept).CopyTo(grown);
            // A drain may be sending from the old array: it is left to the collector then, never returned to the pool.
            if (!_draining) ArrayPool<byte>.Shared.Return(_output);
            _output = grown;
            _outputStart = 0;
            _outputEnd = kept;
        }
        data.CopyTo(_output.AsSpan(_outputEnd));
        _outputEnd += data.Length;
        _produced += data.Length;
    }

    private void ReturnOutput()
    {
        if (_output is null) return;
        ArrayPool<byte>.Shared.Return(_output);
        _output = null;
        _outputStart = _outputEnd = 0;
    }

    /// <summary>The BIO's read (under the lock, inside an OpenSSL call): the medium's non-blocking receive.</summary>
    private unsafe int ReadCiphertext(nint bio, byte* buffer, int length, nuint* read)
    {
        try
        {
            if (!_medium.MayHaveInput)
            {
                // Drained since the last edge: a recv would only say EAGAIN (the common case right after a read).
                LibSsl.BIO_set_flags(bio, LibSsl.BIO_FLAGS_READ | LibSsl.BIO_FLAGS_SHOULD_RETRY);
                return 0;
            }
            int n = _medium.Receive(new Span<byte>(buffer, length), out SocketError error);
            if (error == SocketError.Success)
            {
                *read = (nuint)n;
                if (n == 0)
                {
                    _inputEnded = true; // no retry flag, and BIO_eof says so: OpenSSL reads the end of the stream
                    return 0;
                }
                _transport.OnCipherReceived(n);
                return 1;
            }
            if (error == SocketError.WouldBlock)
            {
                LibSsl.BIO_set_flags(bio, LibSsl.BIO_FLAGS_READ | LibSsl.BIO_FLAGS_SHOULD_RETRY);
                return 0;
            }
            _mediumFailure = new SocketException((int)error);
        }
        catch (Exception ex)
        {
            _mediumFailure = ex; // closed under us: ObjectDisposedException, as a socket read reports it
        }
        return -1;
    }

    /// <summary>The BIO's write (under the lock): taken whole; <see cref="SendOutputNow"/> sends it when the call returns.</summary>
    private unsafe int WriteCiphertext(byte* data, int length, nuint* written)
    {
        AppendOutput(new ReadOnlySpan<byte>(data, length));
        *written = (nuint)length;
        return 1;
    }

    /// <summary>The OpenSSL side of the layer: one <c>BIO_METHOD</c> for all connections, calling back into the layer.</summary>
    internal static unsafe class BioMethod
    {
        public static readonly nint Handle = Create();

        private static nint Create()
        {
            if (!OperatingSystem.IsLinux()) return 0;
            var name = "protocolsdk-medium\0"u8;
            nint method;
            fixed (byte* text = name)
            {
                method = LibSsl.BIO_meth_new(LibSsl.BIO_get_new_index() | LibSsl.BIO_TYPE_SOURCE_SINK, text);
            }
            if (method == 0) return 0;
            LibSsl.BIO_meth_set_read_ex(method, &Read);
            LibSsl.BIO_meth_set_write_ex(method, &Write);
            LibSsl.BIO_meth_set_ctrl(method, &Control);
            LibSsl.BIO_meth_set_create(method, &CreateBio);
            return method; // lives as long as the process
        }

        private static OpenSslLayer? LayerOf(nint bio) =>
            LibSsl.BIO_get_data(bio) is var data and not 0 ? GCHandle.FromIntPtr(data).Target as OpenSslLayer : null;

        [UnmanagedCallersOnly]
        private static int Read(nint bio, byte* buffer, nuint length, nuint* read)
        {
            LibSsl.BIO_clear_flags(bio, LibSsl.BIO_FLAGS_RWS | LibSsl.BIO_FLAGS_SHOULD_RETRY);
            *read = 0;
            var layer = LayerOf(bio);
            return layer is null ? -1 : layer.ReadCiphertext(bio, buffer, (int)Math.Min(length, int.MaxValue), read);
        }

        [UnmanagedCallersOnly]
        private static int Write(nint bio, byte* data, nuint length, nuint* written)
        {
            LibSsl.BIO_clear_flags(bio, LibSsl.BIO_FLAGS_RWS | LibSsl.BIO_FLAGS_SHOULD_RETRY);
            *written = 0;
            var layer = LayerOf(bio);
            return layer is null || length > int.MaxValue ? -1 : layer.WriteCiphertext(data, (int)length, written);
        }

        // Every control OpenSSL sends a socket BIO is answered "not supported", except two: a flush has nothing to do
        // (output goes to the socket when the OpenSSL call returns), and "at the end?" tells a peer's FIN from a failure
        // (with SSL_OP_IGNORE_UNEXPECTED_EOF a FIN without close_notify then reads as the end, as SslStream reports it).
        [UnmanagedCallersOnly]
        private static nint Control(nint bio, int command, nint argument, nint pointer) => command switch
        {
            LibSsl.BIO_CTRL_FLUSH => 1,
            LibSsl.BIO_CTRL_EOF => LayerOf(bio) is { _inputEnded: true } ? 1 : 0,
            _ => 0,
        };

        [UnmanagedCallersOnly]
        private static int CreateBio(nint bio)
        {
            LibSsl.BIO_set_init(bio, 1);
            return 1;
        }
    }

    /// <summary>
    /// The <c>SSL</c> object with its BIO, and the weak handle by which the BIO finds the layer: freed by
    /// <see cref="OpenSslLayer.Dispose"/>, or by the finalizer when a layer was abandoned (the handle is weak, so the
    /// BIO never keeps the layer alive).
    /// </summary>
    private sealed class SslHandle : SafeHandle
    {
        private nint _layerHandle;

        private SslHandle() : base(0, ownsHandle: true) { }

        public override bool IsInvalid => handle == 0;

        public static SslHandle Create(nint context, OpenSslLayer layer)
        {
            var owner = new SslHandle();
            nint ssl = LibSsl.SSL_new(context);
            if (ssl == 0) throw new AuthenticationException("OpenSSL could not create a connection: " + LibSsl.TakeErrors());
            owner.SetHandle(ssl);
            nint bio = LibSsl.BIO_new(BioMethod.Handle);
            if (bio == 0)
            {
                owner.Dispose();
                throw new AuthenticationException("OpenSSL could not create a BIO: " + LibSsl.TakeErrors());
            }
            owner._layerHandle = GCHandle.ToIntPtr(GCHandle.Alloc(layer, GCHandleType.Weak));
            LibSsl.BIO_set_data(bio, owner._layerHandle);
            LibSsl.SSL_set_bio(ssl, bio, bio); // the SSL object owns the BIO from here on
            LibSsl.SSL_set_accept_state(ssl);
            return owner;
        }

        protected override bool ReleaseHandle()
        {
            LibSsl.SSL_free(handle); // frees the BIO too
            if (_layerHandle != 0) GCHandle.FromIntPtr(_layerHandle).Free();
            return true;
        }
    }
}
