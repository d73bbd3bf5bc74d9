// fanout_floor: the least a fan-out over one TCP connection per receiver can cost, for
// Benchmarks/run-live.sh (docs/benchmarks.md, "Live fan-out").
//
// It relays the station's own Ogg stream to HTTP listeners like Icecast does, but with
// nothing else: one thread, no queue per listener, no parsing beyond finding whole
// pages. Every batch of pages read from the source is sent to every listener either
// with one send(2) each ("send", the floor of any server that writes per connection,
// as commcastd and Icecast do) or with all the sends of a batch submitted to io_uring
// at once ("uring", which leaves out the system call per send). Its CPU beside
// Icecast's and the station's on the same listeners says how much of theirs is the
// kernel's TCP work that no server of this shape can avoid.
//
// Usage: fanout_floor PORT SOURCE-HOST SOURCE-PORT SOURCE-PATH send|uring
// Runs until SIGTERM, then prints one JSON line to stdout: batches, sends, and sends
// that failed or were short (a listener whose send fails is closed, never resumed).
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <liburing.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_FDS 70000
#define RING_ENTRIES 4096

static volatile sig_atomic_t stopping = 0;
static void on_term(int sig) { (void)sig; stopping = 1; }

static void die(const char *what) {
    perror(what);
    exit(1);
}

// A listener's state, by descriptor: 0 none, 1 waiting for its request, 2 receiving.
static unsigned char state[MAX_FDS];
static int position[MAX_FDS];  // its index in `active` while receiving
static int active[MAX_FDS];
static int active_count = 0;

static unsigned char head_pages[65536];  // the stream's header pages, for each new listener
static size_t head_length = 0;
static int have_audio = 0;

static unsigned long long batches = 0, sends = 0, failed = 0;

static void drop(int epoll_fd, int fd) {
    if (state[fd] == 0) return;  // already closed (its descriptor may not be reused yet)
    if (state[fd] == 2) {
        int last = active[--active_count];
        active[position[fd]] = last;
        position[last] = position[fd];
    }
    state[fd] = 0;
    epoll_ctl(epoll_fd, EPOLL_CTL_DEL, fd, NULL);
    close(fd);
}

static int full_send(int fd, const void *bytes, size_t length) {
    return send(fd, bytes, length, MSG_DONTWAIT | MSG_NOSIGNAL) == (ssize_t)length;
}

// Sends one batch to every listener, one send(2) each.
static void fan_out_send(int epoll_fd, const unsigned char *batch, size_t length) {
    for (int i = 0; i < active_count; i++) {
        sends++;
        if (!full_send(active[i], batch, length)) {
            failed++;
            drop(epoll_fd, active[i--]);
        }
    }
}

// Sends one batch to every listener through io_uring: the sends are queued, submitted
// a ring at a time, and all completed before the batch's buffer is used again.
static void fan_out_uring(struct io_uring *ring, int epoll_fd, const unsigned char *batch, size_t length) {
    static int failures[MAX_FDS];
    int failure_count = 0;
    int i = 0;
    while (i < active_count) {
        int queued = 0;
        for (; i < active_count && queued < RING_ENTRIES; i++, queued++) {
            struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
            io_uring_prep_send(sqe, active[i], batch, length, MSG_DONTWAIT | MSG_NOSIGNAL);
            io_uring_sqe_set_data64(sqe, (uint64_t)active[i]);
        }
        if (io_uring_submit_and_wait(ring, queued) < 0) die("io_uring_submit_and_wait");
        sends += queued;
        for (int seen = 0; seen < queued;) {
            struct io_uring_cqe *cqe;
            if (io_uring_wait_cqe(ring, &cqe) < 0) die("io_uring_wait_cqe");
            if (cqe->res != (int)length) failures[failure_count++] = (int)cqe->user_data;
            io_uring_cqe_seen(ring, cqe);
            seen++;
        }
    }
    for (int f = 0; f < failure_count; f++) {
        failed++;
        if (state[failures[f]] == 2) drop(epoll_fd, failures[f]);
    }
}

static int connect_source(const char *host, int port, const char *path) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons(port)};
    if (fd < 0 || inet_pton(AF_INET, host, &address.sin_addr) != 1) die("source address");
    if (connect(fd, (struct sockaddr *)&address, sizeof address) < 0) die("connect to the source");
    char request[1024];
    int n = snprintf(request, sizeof request, "GET %s HTTP/1.0\r\nHost: %s\r\n\r\n", path, host);
    if (write(fd, request, n) != n) die("source request");
    return fd;
}

static size_t page_length(const unsigned char *p, size_t available) {
    if (available < 27) return 0;
    size_t segments = p[26];
    if (available < 27 + segments) return 0;
    size_t body = 0;
    for (size_t s = 0; s < segments; s++) body += p[27 + s];
    return available < 27 + segments + body ? 0 : 27 + segments + body;
}

int main(int argc, char **argv) {
    if (argc != 6 || (strcmp(argv[5], "send") && strcmp(argv[5], "uring"))) {
        fprintf(stderr, "usage: fanout_floor PORT SOURCE-HOST SOURCE-PORT SOURCE-PATH send|uring\n");
        return 64;
    }
    int use_uring = strcmp(argv[5], "uring") == 0;
    signal(SIGTERM, on_term);
    signal(SIGPIPE, SIG_IGN);

    struct io_uring ring;
    if (use_uring && io_uring_queue_init(RING_ENTRIES, &ring, 0) < 0) die("io_uring_queue_init");

    int server = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    int yes = 1;
    setsockopt(server, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[1]))};
    inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
    if (bind(server, (struct sockaddr *)&address, sizeof address) < 0 || listen(server, 4096) < 0) die("listen");

    int source = connect_source(argv[2], atoi(argv[3]), argv[4]);
    int epoll_fd = epoll_create1(0);
    struct epoll_event event = {.events = EPOLLIN, .data.fd = server};
    epoll_ctl(epoll_fd, EPOLL_CTL_ADD, server, &event);
    event.data.fd = source;
    epoll_ctl(epoll_fd, EPOLL_CTL_ADD, source, &event);

    static unsigned char input[1 << 20];
    static unsigned char batch[1 << 20];
    size_t input_length = 0;
    int source_in_body = 0;
    struct epoll_event events[256];
    while (!stopping) {
        int ready = epoll_wait(epoll_fd, events, 256, 200);
        if (ready < 0 && errno == EINTR) continue;
        for (int e = 0; e < ready; e++) {
            int fd = events[e].data.fd;
            if (fd == server) {
                int client;
                while ((client = accept4(server, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
                    if (client >= MAX_FDS) { close(client); continue; }
                    setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
                    state[client] = 1;
                    struct epoll_event client_event = {.events = EPOLLIN, .data.fd = client};
                    epoll_ctl(epoll_fd, EPOLL_CTL_ADD, client, &client_event);
                }
            } else if (fd == source) {
                ssize_t n = read(source, input + input_length, sizeof input - input_length);
                if (n <= 0) { stopping = 1; break; }
                input_length += n;
                size_t start = 0;
                if (!source_in_body) {
                    unsigned char *end = memmem(input, input_length, "\r\n\r\n", 4);
                    if (!end) continue;
                    start = end + 4 - input;
                    source_in_body = 1;
                }
                size_t batch_length = 0, length;
                while ((length = page_length(input + start, input_length - start)) > 0) {
                    int64_t granule;
                    memcpy(&granule, input + start + 6, 8);
                    if (granule == 0 && !have_audio && head_length + length <= sizeof head_pages) {
                        memcpy(head_pages + head_length, input + start, length);
                        head_length += length;
                    } else {
                        have_audio = 1;
                        memcpy(batch + batch_length, input + start, length);
                        batch_length += length;
                    }
                    start += length;
                }
                memmove(input, input + start, input_length - start);
                input_length -= start;
                if (batch_length > 0) {
                    batches++;
                    if (use_uring) fan_out_uring(&ring, epoll_fd, batch, batch_length);
                    else fan_out_send(epoll_fd, batch, batch_length);
                }
            } else if (state[fd] != 0) {  // not one dropped earlier in this batch of events
                char request[4096];
                ssize_t n = read(fd, request, sizeof request);
                if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
                if (n <= 0) { drop(epoll_fd, fd); continue; }
                if (state[fd] != 1 || !memmem(request, n, "\r\n\r\n", 4)) continue;
                static const char response[] = "HTTP/1.0 200 OK\r\nContent-Type: audio/ogg\r\nCache-Control: no-cache\r\n\r\n";
                if (!full_send(fd, response, sizeof response - 1) || !full_send(fd, head_pages, head_length)) {
                    drop(epoll_fd, fd);
                    continue;
                }
                state[fd] = 2;
                position[fd] = active_count;
                active[active_count++] = fd;
            }
        }
    }
    printf("{\"batches\": %llu, \"sends\": %llu, \"failed\": %llu, \"listeners\": %d}\n", batches, sends, failed, active_count);
    return 0;
}
