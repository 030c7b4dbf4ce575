using System;
using System.Runtime.InteropServices;

namespace ProtocolSdk.Sockets.Tls;

/// <summary>
/// The few OpenSSL 3 calls the SDK's own TLS engine makes (<see cref="OpenSslContext"/>, <see cref="OpenSslLayer"/>):
/// blittable arguments only (no marshalling, AOT-safe). The same <c>libssl.so.3</c> / <c>libcrypto.so.3</c> the runtime
/// loads for <see cref="System.Net.Security.SslStream"/>, so nothing new is shipped. Macros of the C API
/// (<c>SSL_CTX_set_mode</c>, <c>SSL_CTX_set_min_proto_version</c>, <c>BIO_set_retry_read</c>...) are spelt as the calls
/// they expand to.
/// </summary>
internal static unsafe partial class LibSsl
{
    private const string Ssl = "libssl.so.3", Crypto = "libcrypto.so.3";

    public const int SSL_ERROR_NONE = 0, SSL_ERROR_SSL = 1, SSL_ERROR_WANT_READ = 2, SSL_ERROR_WANT_WRITE = 3,
        SSL_ERROR_SYSCALL = 5, SSL_ERROR_ZERO_RETURN = 6;

    public const int SSL_CTRL_MODE = 33, SSL_CTRL_SET_READ_AHEAD = 41, SSL_CTRL_SET_SESS_CACHE_MODE = 44,
        SSL_CTRL_CHAIN_CERT = 89, SSL_CTRL_SET_MIN_PROTO_VERSION = 123, SSL_CTRL_SET_MAX_PROTO_VERSION = 124;

    public const long SSL_MODE_ENABLE_PARTIAL_WRITE = 0x1, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER = 0x2, SSL_MODE_RELEASE_BUFFERS = 0x10;

    public const ulong SSL_OP_IGNORE_UNEXPECTED_EOF = 1UL << 7, SSL_OP_NO_TICKET = 1UL << 14,
        SSL_OP_CIPHER_SERVER_PREFERENCE = 1UL << 22, SSL_OP_NO_RENEGOTIATION = 1UL << 30;

    public const int TLS1_2_VERSION = 0x0303, TLS1_3_VERSION = 0x0304;

    public const int SSL_TLSEXT_ERR_OK = 0, SSL_TLSEXT_ERR_ALERT_FATAL = 2;

    public const int TLSEXT_NAMETYPE_host_name = 0;

    public const int BIO_TYPE_SOURCE_SINK = 0x0400;

    public const int BIO_FLAGS_READ = 0x01, BIO_FLAGS_WRITE = 0x02, BIO_FLAGS_RWS = 0x07, BIO_FLAGS_SHOULD_RETRY = 0x08;

    public const int BIO_CTRL_EOF = 2, BIO_CTRL_FLUSH = 11;

    // libssl: contexts
    [LibraryImport(Ssl)] public static partial nint TLS_server_method();
    [LibraryImport(Ssl)] public static partial nint SSL_CTX_new(nint method);
    [LibraryImport(Ssl)] public static partial void SSL_CTX_free(nint ctx);
    [LibraryImport(Ssl)] public static partial nint SSL_CTX_ctrl(nint ctx, int cmd, nint larg, nint parg);
    [LibraryImport(Ssl)] public static partial ulong SSL_CTX_set_options(nint ctx, ulong options);
    [LibraryImport(Ssl)] public static partial int SSL_CTX_use_certificate(nint ctx, nint x509);
    [LibraryImport(Ssl)] public static partial int SSL_CTX_use_PrivateKey(nint ctx, nint pkey);
    [LibraryImport(Ssl)] public static partial int SSL_CTX_check_private_key(nint ctx);
    [LibraryImport(Ssl)] public static partial void SSL_CTX_set_alpn_select_cb(nint ctx, delegate* unmanaged<nint, byte**, byte*, byte*, uint, nint, int> callback, nint arg);

    // libssl: connections
    [LibraryImport(Ssl)] public static partial nint SSL_new(nint ctx);
    [LibraryImport(Ssl)] public static partial void SSL_free(nint ssl);
    [LibraryImport(Ssl)] public static partial void SSL_set_bio(nint ssl, nint rbio, nint wbio);
    [LibraryImport(Ssl)] public static partial void SSL_set_accept_state(nint ssl);
    [LibraryImport(Ssl)] public static partial int SSL_do_handshake(nint ssl);
    [LibraryImport(Ssl)] public static partial int SSL_read_ex(nint ssl, byte* buffer, nuint count, nuint* read);
    [LibraryImport(Ssl)] public static partial int SSL_write_ex(nint ssl, byte* buffer, nuint count, nuint* written);
    [LibraryImport(Ssl)] public static partial int SSL_shutdown(nint ssl);
    [LibraryImport(Ssl)] public static partial int SSL_get_error(nint ssl, int result);
    [LibraryImport(Ssl)] public static partial int SSL_has_pending(nint ssl);
    [LibraryImport(Ssl)] public static partial int SSL_peek_ex(nint ssl, byte* buffer, nuint count, nuint* read);
    [LibraryImport(Ssl)] public static partial int SSL_version(nint ssl);
    [LibraryImport(Ssl)] public static partial nint SSL_get_current_cipher(nint ssl);
    [LibraryImport(Ssl)] public static partial ushort SSL_CIPHER_get_protocol_id(nint cipher);
    [LibraryImport(Ssl)] public static partial void SSL_get0_alpn_selected(nint ssl, byte** data, uint* length);
    [LibraryImport(Ssl)] public static partial byte* SSL_get_servername(nint ssl, int type);

    // libcrypto: certificates and keys
    [LibraryImport(Crypto)] public static partial nint d2i_X509(nint reuse, byte** input, nint length);
    [LibraryImport(Crypto)] public static partial void X509_free(nint x509);
    [LibraryImport(Crypto)] public static partial nint d2i_AutoPrivateKey(nint reuse, byte** input, nint length);
    [LibraryImport(Crypto)] public static partial void EVP_PKEY_free(nint pkey);

    // libcrypto: a BIO of our own (the connection's medium under it)
    [LibraryImport(Crypto)] public static partial int BIO_get_new_index();
    [LibraryImport(Crypto)] public static partial nint BIO_meth_new(int type, byte* name);
    [LibraryImport(Crypto)] public static partial int BIO_meth_set_write_ex(nint method, delegate* unmanaged<nint, byte*, nuint, nuint*, int> write);
    [LibraryImport(Crypto)] public static partial int BIO_meth_set_read_ex(nint method, delegate* unmanaged<nint, byte*, nuint, nuint*, int> read);
    [LibraryImport(Crypto)] public static partial int BIO_meth_set_ctrl(nint method, delegate* unmanaged<nint, int, nint, nint, nint> ctrl);
    [LibraryImport(Crypto)] public static partial int BIO_meth_set_create(nint method, delegate* unmanaged<nint, int> create);
    [LibraryImport(Crypto)] public static partial nint BIO_new(nint method);
    [LibraryImport(Crypto)] public static partial void BIO_set_data(nint bio, nint data);
    [LibraryImport(Crypto)] public static partial nint BIO_get_data(nint bio);
    [LibraryImport(Crypto)] public static partial void BIO_set_init(nint bio, int init);
    [LibraryImport(Crypto)] public static partial void BIO_set_flags(nint bio, int flags);
    [LibraryImport(Crypto)] public static partial void BIO_clear_flags(nint bio, int flags);

    // libcrypto: the thread's error queue
    [LibraryImport(Crypto)] public static partial nuint ERR_get_error();
    [LibraryImport(Crypto)] public static partial void ERR_clear_error();
    [LibraryImport(Crypto)] public static partial void ERR_error_string_n(nuint error, byte* buffer, nuint length);

    /// <summary>
    /// Empties this thread's OpenSSL error queue and describes its first entry ("error:0A00010B:SSL
    /// routines::wrong version number"); null when it was empty. The queue is shared with the runtime's own OpenSSL use
    /// on the thread, so it is never left behind.
    /// </summary>
    public static string? TakeErrors()
    {
        nuint first = ERR_get_error();
        if (first == 0) return null;
        while (ERR_get_error() != 0) { }
        byte* text = stackalloc byte[256];
        ERR_error_string_n(first, text, 256);
        return Marshal.PtrToStringUTF8((nint)text);
    }
}
