using System.Net.Sockets;
using ProtocolSdk.Tests.Support;

namespace ProtocolSdk.Tests.Integration;

[CollectionDefinition(nameof(NonParallelCollection), DisableParallelization = true)]
public sealed class NonParallelCollection;

/// <summary>
/// Process-wide allocation measurement over real sockets, so it runs alone. The client is a blocking socket
/// with preallocated buffers on its own thread: it allocates nothing, so what is counted is the server's.
/// </summary>
[Collection(nameof(NonParallelCollection))]
public class SocketAllocationTests
{
    [Theory]
    [InlineData(IoEngine.Epoll)]
    [InlineData(IoEngine.Sockets)]
    public async Task Server_echo_over_loopback_allocates_nothing_per_message_in_steady_state(IoEngine engine)
    {
        await using var server = await ProtocolServer.ListenTcpAsync<EchoProtocol>(Loopback.AnyPort, new ProtocolServerOptions { IoEngine = engine });
        // Connected synchronously so the client socket stays in blocking mode (sync calls then allocate nothing).
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        client.Connect(server.LocalEndPoint);
        client.ReceiveTimeout = 10_000;
        var message = new byte[64];
        var reply = new byte[64];

        void PingPong(int count)
        {
            for (int i = 0; i < count; i++)
            {
                client.Send(message);
                int got = 0;
                while (got < reply.Length)
                {
                    int n = client.Receive(reply, got, reply.Length - got, SocketFlags.None);
                    if (n == 0) throw new EndOfStreamException();
                    got += n;
                }
            }
        }

        long Measure(int count)
        {
            long before = GC.GetTotalAllocatedBytes(precise: true);
            PingPong(count);
            return GC.GetTotalAllocatedBytes(precise: true) - before;
        }

        var rounds = await Task.Factory.StartNew(() =>
        {
            PingPong(3000); // warm up: JIT tiers, pools, socket engine
            return Enumerable.Range(0, 6).Select(_ => Measure(5000)).ToArray();
        }, TaskCreationOptions.LongRunning).WithTimeout("ping-pong");

        // Background runtime work that is not per message (tiered JIT, thread-pool and timer bookkeeping)
        // lands in some rounds at random; a per-message allocation (24 bytes at least) would put 120 KB
        // into every round. So the quietest round must be (nearly) empty.
        long quietest = rounds.Min();
        Assert.True(quietest < 1000, $"bytes allocated per 5,000-message round: {string.Join(", ", rounds)}");
    }
}
