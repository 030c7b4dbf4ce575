using ProtocolSdk;
using ProtocolSdk.Samples;
using ProtocolSdk.Samples.Chat;

// dotnet run --project samples/Chat -c Release -- [--port 7010] [--host 127.0.0.1] [--stats] [--tls | --cert file.pfx]
var options = ServerOptions.Parse(args, "Chat", defaultPort: 7010, acceptsTls: true);
if (options is null) return 2;
var room = new ChatRoom();
return await SampleServer.RunAsync(
    options,
    endpoint => ProtocolServer.ListenTcpAsync(endpoint, () => new ChatProtocol(room), SampleTls.ForServer(options)),
    connectTo => options.Tls
        ? $"openssl s_client -connect {connectTo.Address}:{connectTo.Port} -quiet"
        : $"nc {connectTo.Address} {connectTo.Port}");
