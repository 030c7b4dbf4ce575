/*
 * How much heap OpenSSL keeps per idle server connection after a TLS 1.3 handshake, with and without
 * SSL_MODE_RELEASE_BUFFERS (which .NET's SslStream does not set). Server SSL objects over memory BIOs, as SslStream
 * drives OpenSSL on Linux; each does one handshake and one 64-byte echo with an in-process client, then waits for
 * input (idle); the clients are freed, so the heap growth (mallinfo2) divided by N is what each idle server keeps.
 * See docs/performance.md, "TLS echo against Kestrel".
 *
 *   openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out cert.pem -days 7 -subj /CN=localhost
 *   gcc -O2 -o openssl-idle-memory openssl-idle-memory.c -lssl -lcrypto
 *   ./openssl-idle-memory cert.pem key.pem 2000 0    # default modes
 *   ./openssl-idle-memory cert.pem key.pem 2000 1    # SSL_MODE_RELEASE_BUFFERS
 */
#include <malloc.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>

static size_t heap_in_use(void)
{
    struct mallinfo2 m = mallinfo2();
    return m.uordblks + m.hblkhd;
}

/* moves what `from` wrote to its output BIO into the peer's input BIO */
static void deliver(SSL *from, BIO *peer_input)
{
    char buf[65536];
    int n;
    while ((n = BIO_read(SSL_get_wbio(from), buf, sizeof buf)) > 0)
        BIO_write(peer_input, buf, n);
}

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: %s CERT.pem KEY.pem CONNECTIONS RELEASE_BUFFERS(0|1)\n", argv[0]);
        return 2;
    }
    int n = atoi(argv[3]), release = atoi(argv[4]);
    SSL_CTX *server_ctx = SSL_CTX_new(TLS_server_method()), *client_ctx = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_min_proto_version(server_ctx, TLS1_3_VERSION);
    if (SSL_CTX_use_certificate_file(server_ctx, argv[1], SSL_FILETYPE_PEM) != 1
        || SSL_CTX_use_PrivateKey_file(server_ctx, argv[2], SSL_FILETYPE_PEM) != 1) {
        fprintf(stderr, "cannot load %s / %s\n", argv[1], argv[2]);
        return 1;
    }
    if (release)
        SSL_CTX_set_mode(server_ctx, SSL_MODE_RELEASE_BUFFERS);
    SSL **servers = calloc((size_t)n, sizeof *servers);
    size_t before = heap_in_use();
    for (int i = 0; i < n; i++) {
        SSL *server = SSL_new(server_ctx), *client = SSL_new(client_ctx);
        BIO *server_in = BIO_new(BIO_s_mem()), *client_in = BIO_new(BIO_s_mem());
        SSL_set_bio(server, server_in, BIO_new(BIO_s_mem()));
        SSL_set_bio(client, client_in, BIO_new(BIO_s_mem()));
        SSL_set_accept_state(server);
        SSL_set_connect_state(client);
        for (int step = 0; step < 10 && !(SSL_is_init_finished(server) && SSL_is_init_finished(client)); step++) {
            SSL_do_handshake(client);
            deliver(client, server_in);
            SSL_do_handshake(server);
            deliver(server, client_in);
        }
        if (!SSL_is_init_finished(server)) {
            fprintf(stderr, "handshake %d did not finish\n", i);
            return 1;
        }
        char message[64] = "hello";
        SSL_write(client, message, sizeof message);
        deliver(client, server_in);
        SSL_read(server, message, sizeof message);
        SSL_write(server, message, sizeof message);
        deliver(server, client_in);
        SSL_read(client, message, sizeof message);
        SSL_read(server, message, sizeof message); /* nothing there: the server waits for input, as an idle connection */
        ERR_clear_error();
        SSL_free(client);
        servers[i] = server;
    }
    printf("release_buffers=%d connections=%d heap per idle server connection: %.0f B\n", release, n,
           (double)(heap_in_use() - before) / n);
    return 0;
}
