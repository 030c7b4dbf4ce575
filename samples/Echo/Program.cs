using System;
using System.Net;
using System.Runtime.InteropServices;
using System.Threading.Tasks;
using ProtocolSdk;

// The echo sample: dotnet run --project samples/Echo -c Release -- --port 7007   (--port 0 picks a free port)
int port = 7007;
for (int i = 0; i < args.Length; i++)
{
    if (args[i] == "--port" && i + 1 < args.Length && int.TryParse(args[i + 1], out int p) && p is >= 0 and <= 65535)
    {
        port = p;
        i++;
    }
    else
    {
        Console.Error.WriteLine($"unknown or invalid argument '{args[i]}'; usage: Echo [--port N] (0..65535, default 7007)");
        return 2;
    }
}

await using var server = await ProtocolServer.ListenTcpAsync<EchoProtocol>(new IPEndPoint(IPAddress.Any, port));
Console.WriteLine($"Echo server listening on {server.LocalEndPoint} (port {server.LocalEndPoint.Port}); Ctrl+C to stop.");

// Ctrl+C or SIGTERM: stop accepting, close connections, then exit.
var stop = new TaskCompletionSource();
using var onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
using var onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
await stop.Task;
Console.WriteLine($"Stopping; closing {server.ConnectionCount} connection(s).");
return 0;

void Stop(PosixSignalContext context)
{
    context.Cancel = true;
    stop.TrySetResult();
}

/// <summary>Writes back every byte it receives.</summary>
public sealed class EchoProtocol : Protocol
{
    public override void DataReceived(ReadOnlySpan<byte> data) => Transport.Write(data);
}
