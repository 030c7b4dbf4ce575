using System;
using ProtocolSdk;
using ProtocolSdk.Samples;

// The echo sample: dotnet run --project samples/Echo -c Release -- [--port 7007] [--host 127.0.0.1] [--stats]
var options = ServerOptions.Parse(args, "Echo", defaultPort: 7007);
if (options is null) return 2;
return await SampleServer.RunAsync(
    options,
    endpoint => ProtocolServer.ListenTcpAsync<EchoProtocol>(endpoint, SampleServer.ProtocolOptions),
    connectTo => $"nc {connectTo.Address} {connectTo.Port}");

/// <summary>Writes back every byte it receives.</summary>
public sealed class EchoProtocol : Protocol
{
    public override void DataReceived(ReadOnlySpan<byte> data)
    {
        SampleMetrics.MessageHandled(); // a "message" here is one received chunk
        Transport.Write(data);
    }
}
