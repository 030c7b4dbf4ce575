using System;
using ProtocolSdk;
using ProtocolSdk.Samples;
using ProtocolSdk.Samples.GameLobby;

// dotnet run --project samples/GameLobby -c Release -- [--port 7030] [--host 127.0.0.1] [--stats]
var options = ServerOptions.Parse(args, "GameLobby", defaultPort: 7030);
if (options is null) return 2;
using var lobby = new Lobby(TimeProvider.System);
return await SampleServer.RunAsync(
    options,
    endpoint => ProtocolServer.ListenTcpAsync(endpoint, () => new GameProtocol(lobby), SampleServer.ProtocolOptions),
    connectTo => $"nc {connectTo.Address} {connectTo.Port}   ({1000 / lobby.TickInterval.TotalMilliseconds:F0} ticks/s)");
