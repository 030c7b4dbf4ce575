using System;
using System.Net;
using System.Runtime.InteropServices;
using System.Threading.Tasks;
using ProtocolSdk;
using Resp;

// A RESP2 key-value server: dotnet run --project samples/Resp -c Release -- [--port N] [--bind ADDRESS]
// (--port 0 picks a free port; default 127.0.0.1:6380). Then: redis-cli -p 6380 set hello world
int port = 6380;
var address = IPAddress.Loopback;
for (int i = 0; i < args.Length; i++)
{
    if (args[i] == "--port" && i + 1 < args.Length && int.TryParse(args[i + 1], out int p) && p is >= 0 and <= 65535)
    {
        port = p;
        i++;
    }
    else if (args[i] == "--bind" && i + 1 < args.Length && IPAddress.TryParse(args[i + 1], out var a))
    {
        address = a;
        i++;
    }
    else
    {
        Console.Error.WriteLine($"unknown or invalid argument '{args[i]}'; usage: Resp [--port N] (0..65535, default 6380) [--bind ADDRESS] (default 127.0.0.1)");
        return 2;
    }
}

var store = new KeyValueStore();
await using var server = await ProtocolServer.ListenTcpAsync(new IPEndPoint(address, port), () => new RespProtocol(store));
Console.WriteLine($"RESP server listening on {server.LocalEndPoint} (port {server.LocalEndPoint.Port}); try: redis-cli -p {server.LocalEndPoint.Port} ping");

var stop = new TaskCompletionSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.TrySetResult(); };
using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => { context.Cancel = true; stop.TrySetResult(); });
await stop.Task;
Console.WriteLine("Stopping.");
return 0;
