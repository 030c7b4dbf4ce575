using System.Net;
using System.Net.Sockets;

namespace ProtocolSdk.Tests.Support;

/// <summary>Helpers for real-socket tests on 127.0.0.1 with port 0.</summary>
internal static class Loopback
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    public static IPEndPoint AnyPort => new(IPAddress.Loopback, 0);

    public static async Task<Socket> ConnectAsync(IPEndPoint server, IPAddress? from = null)
    {
        var socket = new Socket(server.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        if (from is not null) socket.Bind(new IPEndPoint(from, 0));
        using var cts = new CancellationTokenSource(Timeout);
        await socket.ConnectAsync(server, cts.Token);
        return socket;
    }

    /// <summary>Reads exactly <paramref name="count"/> bytes or throws on EOF/timeout.</summary>
    public static async Task<byte[]> ReadExactlyAsync(Socket socket, int count)
    {
        var buffer = new byte[count];
        using var cts = new CancellationTokenSource(Timeout);
        int read = 0;
        while (read < count)
        {
            int n = await socket.ReceiveAsync(buffer.AsMemory(read), SocketFlags.None, cts.Token);
            if (n == 0) throw new EndOfStreamException($"EOF after {read} of {count} bytes");
            read += n;
        }
        return buffer;
    }

    /// <summary>Waits until the peer closes (EOF or reset); returns true for a clean EOF.</summary>
    public static async Task<bool> WaitForCloseAsync(Socket socket)
    {
        var buffer = new byte[4096];
        using var cts = new CancellationTokenSource(Timeout);
        try
        {
            while (true)
            {
                int n = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
                if (n == 0) return true;
            }
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>Polls <paramref name="condition"/> (no fixed sleeps as synchronisation: bounded wait on a condition).</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("Timed out waiting for: " + what);
            await Task.Delay(5);
        }
    }

    public static async Task<T> WithTimeout<T>(this Task<T> task, string what)
    {
        var done = await Task.WhenAny(task, Task.Delay(Timeout));
        if (done != task) throw new TimeoutException("Timed out waiting for: " + what);
        return await task;
    }

    public static async Task WithTimeout(this Task task, string what)
    {
        var done = await Task.WhenAny(task, Task.Delay(Timeout));
        if (done != task) throw new TimeoutException("Timed out waiting for: " + what);
        await task;
    }
}
