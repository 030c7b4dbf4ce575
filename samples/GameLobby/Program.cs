using System;
using System.Net;
using System.Runtime.InteropServices;
using System.Threading.Tasks;
using ProtocolSdk;
using ProtocolSdk.Samples.GameLobby;

// dotnet run --project samples/GameLobby -c Release -- --port 7030   (--port 0 picks a free port)
int port = 7030;
for (int i = 0; i < args.Length; i++)
{
    if (args[i] == "--port" && i + 1 < args.Length && int.TryParse(args[i + 1], out int p) && p is >= 0 and <= 65535)
    {
        port = p;
        i++;
    }
    else
    {
        Console.Error.WriteLine($"unknown or invalid argument '{args[i]}'; usage: GameLobby [--port N] (0..65535, default 7030)");
        return 2;
    }
}

using var lobby = new Lobby(TimeProvider.System);
await using var server = await ProtocolServer.ListenTcpAsync(new IPEndPoint(IPAddress.Any, port), () => new GameProtocol(lobby));
Console.WriteLine($"Game lobby listening on {server.LocalEndPoint} (port {server.LocalEndPoint.Port}); {1000 / lobby.TickInterval.TotalMilliseconds:F0} ticks/s; try: nc localhost {server.LocalEndPoint.Port}");

var stop = new TaskCompletionSource();
using var onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
using var onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
await stop.Task;
Console.WriteLine("Stopping.");
return 0;

void Stop(PosixSignalContext context)
{
    context.Cancel = true;
    stop.TrySetResult();
}
