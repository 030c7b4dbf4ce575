using ProtocolSdk;
using ProtocolSdk.Samples;
using ProtocolSdk.Samples.Chat;

// dotnet run --project samples/Chat -c Release -- [--port 7010] [--host 127.0.0.1] [--stats]
var options = ServerOptions.Parse(args, "Chat", defaultPort: 7010);
if (options is null) return 2;
var room = new ChatRoom();
return await SampleServer.RunAsync(
    options,
    endpoint => ProtocolServer.ListenTcpAsync(endpoint, () => new ChatProtocol(room), SampleServer.ProtocolOptions),
    connectTo => $"nc {connectTo.Address} {connectTo.Port}");
