/*
 * epoll-echo: a small C epoll echo server, the native baseline (kind c-epoll) of the benchmark's `engine` mode
 * (tests/ProtocolSdk.Benchmarks, see docs/performance.md). The driver builds it itself (with $CC or cc) into a
 * temporary folder; by hand:
 *
 *   cc -O2 -Wall -Wextra -o epoll-echo epoll-echo.c -lpthread
 *   ./epoll-echo [--port N] [--threads N] [--exit-on-stdin-close]
 *
 * Design: one thread per core (the CPUs this process may run on; --threads N to choose, the driver passes its
 * processor count), each with its own listening socket on the same port (SO_REUSEPORT: the kernel spreads new
 * connections over the threads by a hash of the addresses) and its own epoll instance; a connection stays on the
 * thread that accepted it, so there are no locks. Listening sockets are level-triggered (accept4 until EAGAIN,
 * non-blocking, TCP_NODELAY like the .NET servers); connections are edge-triggered for EPOLLIN | EPOLLOUT,
 * registered once. On an event a connection reads until EAGAIN into the thread's 64 KiB buffer and sends each
 * chunk straight back; what the kernel refuses is copied to a buffer of that connection (allocated only then),
 * reading stops, and the next EPOLLOUT edge sends the rest and resumes reading. An idle connection costs one
 * small struct plus the kernel's socket.
 *
 * Listens on 127.0.0.1 only. --port 0 (the default) picks a free port. Prints exactly "listening on PORT" on stdout
 * once every thread listens, like the .NET servers, then runs until SIGTERM/SIGINT or, with --exit-on-stdin-close
 * (which the driver passes), until its stdin closes (lines written to stdin are ignored).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#define BUF_SIZE 65536
#define MAX_EVENTS 256

struct conn {
    int fd;
    size_t pending_off, pending_len; /* pending[off..len) is what the kernel has not taken yet */
    char *pending;
};

static void die(const char *what)
{
    perror(what);
    exit(1);
}

static int listen_on(int port)
{
    int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    if (fd < 0) die("socket");
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) < 0) die("setsockopt SO_REUSEPORT");
    if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0) die("bind");
    if (listen(fd, 4096) < 0) die("listen");
    return fd;
}

static void close_conn(struct conn *c)
{
    close(c->fd); /* also leaves the epoll set */
    free(c->pending);
    free(c);
}

/* Sends from buf until all is out (returns len) or the kernel refuses more (returns what went); -1 on error. */
static ssize_t send_all(int fd, const char *buf, size_t len)
{
    size_t off = 0;
    while (off < len) {
        ssize_t n = send(fd, buf + off, len - off, MSG_NOSIGNAL);
        if (n >= 0) off += (size_t)n;
        else if (errno == EAGAIN || errno == EWOULDBLOCK) break;
        else if (errno != EINTR) return -1;
    }
    return (ssize_t)off;
}

/* Edge-triggered: echo until the socket has nothing more to read, the peer is gone, or the kernel refuses output. */
static void serve(struct conn *c, char *buf)
{
    if (c->pending) {
        ssize_t n = send_all(c->fd, c->pending + c->pending_off, c->pending_len - c->pending_off);
        if (n < 0) { close_conn(c); return; }
        c->pending_off += (size_t)n;
        if (c->pending_off < c->pending_len) return; /* still full: the next EPOLLOUT edge resumes */
        free(c->pending);
        c->pending = NULL;
    }
    for (;;) {
        ssize_t n = recv(c->fd, buf, BUF_SIZE, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
        if (n <= 0) { close_conn(c); return; } /* EOF or error */
        ssize_t sent = send_all(c->fd, buf, (size_t)n);
        if (sent < 0) { close_conn(c); return; }
        if (sent < n) { /* keep the rest, stop reading until EPOLLOUT */
            c->pending_len = (size_t)(n - sent);
            c->pending_off = 0;
            if (!(c->pending = malloc(c->pending_len))) die("malloc");
            memcpy(c->pending, buf + sent, c->pending_len);
            return;
        }
    }
}

static void accept_all(int ep, int lfd)
{
    static int reported;
    int one = 1;
    for (;;) {
        int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED) continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK && !reported++) perror("accept4");
            return;
        }
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        struct conn *c = calloc(1, sizeof *c);
        if (!c) die("calloc");
        c->fd = fd;
        struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT | EPOLLET, .data.ptr = c };
        if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0) die("epoll_ctl connection");
    }
}

static void *worker(void *arg)
{
    int lfd = (int)(intptr_t)arg, ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL }, events[MAX_EVENTS];
    char *buf = malloc(BUF_SIZE);
    if (ep < 0 || !buf) die("epoll_create1/malloc");
    if (epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev) < 0) die("epoll_ctl listener");
    for (;;) {
        int n = epoll_wait(ep, events, MAX_EVENTS, -1);
        if (n < 0 && errno != EINTR) die("epoll_wait");
        for (int i = 0; i < n; i++) {
            struct conn *c = events[i].data.ptr;
            if (!c) accept_all(ep, lfd);
            /* an EPOLLOUT edge alone matters only with bytes pending */
            else if (c->pending || (events[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP))) serve(c, buf);
        }
    }
    return NULL;
}

int main(int argc, char **argv)
{
    int port = 0, threads = 0, watch_stdin = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--port") && i + 1 < argc) port = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--threads") && i + 1 < argc) threads = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--exit-on-stdin-close")) watch_stdin = 1;
        else {
            fprintf(stderr, "usage: %s [--port N] [--threads N] [--exit-on-stdin-close]\n", argv[0]);
            return 2;
        }
    }
    if (threads <= 0) {
        cpu_set_t set;
        threads = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : 1;
    }
    struct rlimit rl; /* room for thousands of idle connections: soft limit up to the hard one */
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    signal(SIGPIPE, SIG_IGN);

    int first = listen_on(port);
    struct sockaddr_in a;
    socklen_t alen = sizeof a;
    if (getsockname(first, (struct sockaddr *)&a, &alen) < 0) die("getsockname");
    port = ntohs(a.sin_port);
    for (int t = 0; t < threads; t++) {
        pthread_t tid;
        int lfd = t == 0 ? first : listen_on(port);
        if (pthread_create(&tid, NULL, worker, (void *)(intptr_t)lfd) != 0) die("pthread_create");
        pthread_detach(tid);
    }
    fprintf(stderr, "epoll-echo: %d threads, SO_REUSEPORT, edge-triggered epoll\n", threads);
    printf("listening on %d\n", port);
    fflush(stdout);

    if (!watch_stdin) for (;;) pause();
    char b[256];
    for (;;) {
        ssize_t n = read(0, b, sizeof b);
        if (n > 0 || (n < 0 && errno == EINTR)) continue;
        return 0; /* stdin closed: the driver is done (or gone); exit ends every thread */
    }
}
