using ProtocolSdk.Testing;

namespace ProtocolSdk.Reliability;

/// <summary>Found by the long-form framing run: the test kit must serve as many connections as a test makes.</summary>
[Collection(Support.Serial.Name)]
public class TestKitTests
{
    private sealed class Nothing : Protocol { }

    [Fact]
    public void A_test_host_serves_more_connections_than_there_are_port_numbers_left()
    {
        using var host = new ProtocolTestHost();
        for (int i = 0; i < 70_000; i++)
        {
            var conn = host.Connect(new Nothing());
            Assert.InRange(conn.Transport.RemoteEndPoint.Port, 1, 65535);
            conn.Close();
        }
    }
}
