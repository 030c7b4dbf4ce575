using System.Buffers.Binary;
using ProtocolSdk.Samples.Chat;
using ProtocolSdk.Samples.Collector;
using ProtocolSdk.Samples.GameLobby;
using ProtocolSdk.Testing;

namespace ProtocolSdk.Samples.Tests;

/// <summary>The Chat, Collector and GameLobby samples through the in-memory test kit and fake clock (their generated policies included).</summary>
public class PolicySampleTests
{
    [Fact]
    public void Chat_users_pick_nicknames_and_see_each_others_lines()
    {
        using var host = new ProtocolTestHost();
        var room = new ChatRoom();
        var alice = host.Connect(new ChatProtocol(room));
        var bob = host.Connect(new ChatProtocol(room));
        alice.Send("alice\r\n");
        bob.Send("alice\r\n"); // taken
        Assert.Contains("'alice' is taken", bob.TakeWrittenText());
        bob.Send("bob\r\n");
        alice.TakeWrittenText();
        bob.TakeWrittenText();

        bob.Send("hello there\r\n");
        Assert.Equal("<bob> hello there\r\n", alice.TakeWrittenText());
        Assert.Equal("", bob.TakeWrittenText()); // not echoed to the sender

        alice.Send("/who\r\n");
        Assert.Equal("Online: alice, bob\r\n", alice.TakeWrittenText());
        bob.Send("/quit\r\n");
        Assert.True(bob.IsClosed);
        Assert.Equal("* bob left (quit)\r\n", alice.TakeWrittenText());
        Assert.Equal(1, room.Count);
    }

    [Fact]
    public void Chat_drops_a_member_whose_backlog_passes_the_bound()
    {
        using var host = new ProtocolTestHost();
        var room = new ChatRoom();
        var talker = host.Connect(new ChatProtocol(room));
        var sleeper = host.Connect(new ChatProtocol(room));
        talker.Send("talker\r\n");
        sleeper.Send("sleeper\r\n");
        sleeper.Transport.SetPeerReceiveWindow(0); // stops reading
        var line = "x" + new string('y', 1000) + "\r\n";
        for (int i = 0; i < 400 && !sleeper.IsClosed; i++)
        {
            talker.Send(line);
            host.Advance(TimeSpan.FromMilliseconds(50)); // the talker's own throttle must not be what limits this test
        }
        Assert.True(sleeper.IsClosed);
        Assert.Contains("too slow", sleeper.Transport.LostReason!.Value.Message);
        Assert.InRange(sleeper.Transport.BufferedBytes, 0, ChatRoom.MaxBacklogBytes + 2048);
    }

    [Fact]
    public void Chat_rejects_an_oversized_line()
    {
        using var host = new ProtocolTestHost();
        var user = host.Connect(new ChatProtocol(new ChatRoom()));
        user.Send(new string('z', 2000) + "\r\n");
        Assert.True(user.IsClosed);
        Assert.Equal(DisconnectKind.PolicyViolation, user.Transport.LostReason!.Value.Kind);
    }

    private static byte[] Record(int size)
    {
        var frame = new byte[4 + size];
        BinaryPrimitives.WriteUInt32BigEndian(frame, (uint)size);
        return frame;
    }

    [Fact]
    public void Collector_counts_records_split_across_reads_per_client()
    {
        using var host = new ProtocolTestHost();
        var stats = new CollectorStats();
        var a = host.Connect(new CollectorProtocol(stats), new System.Net.IPEndPoint(System.Net.IPAddress.Parse("127.0.0.7"), 1000));
        var stream = Record(100).Concat(Record(50)).Concat(Record(0)).ToArray();
        foreach (var b in stream) a.Send(new[] { b }); // one byte at a time
        var client = stats.For("127.0.0.7");
        Assert.Equal(3, client.Records);
        Assert.Equal(150, client.Bytes);
        Assert.Equal(1, client.OpenConnections);
        a.Close();
        Assert.Equal(0, client.OpenConnections);
    }

    [Fact]
    public void Collector_read_throttle_holds_a_client_to_1_MB_per_second()
    {
        using var host = new ProtocolTestHost();
        var stats = new CollectorStats();
        var conn = host.Connect(new CollectorProtocol(stats));
        var record = Record(1000);
        for (int step = 0; step < 300; step++) // 3 s of fake time, the client sending as fast as reads allow
        {
            for (int i = 0; i < 100 && !conn.Transport.IsReadingPaused; i++) conn.Send(record);
            host.Advance(TimeSpan.FromMilliseconds(10));
        }
        long bytes = conn.Transport.BytesReceived;
        // burst (1 s worth) + 3 s at 1 MB/s, give or take what one tick admits
        Assert.InRange(bytes, 3_900_000, 4_050_000);
    }

    [Fact]
    public void GameLobby_rooms_broadcast_state_every_tick_on_the_fake_clock()
    {
        using var host = new ProtocolTestHost();
        using var lobby = new Lobby(host.Clock);
        var alice = host.Connect(new GameProtocol(lobby));
        var bob = host.Connect(new GameProtocol(lobby));
        alice.Send("NAME alice\r\nJOIN arena\r\n");
        bob.Send("NAME bob\r\nJOIN arena\r\n");
        alice.TakeWrittenText();
        bob.TakeWrittenText();
        alice.Send("MOVE 3 -2\r\n");

        host.Advance(TimeSpan.FromMilliseconds(100));
        string state = alice.TakeWrittenText();
        Assert.Matches(@"^STATE \d+ alice=3,-2 bob=0,0\r\n$", state);
        Assert.Equal(state, bob.TakeWrittenText());

        host.Advance(TimeSpan.FromMilliseconds(500));
        Assert.Equal(5, alice.TakeWrittenText().Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Length);

        bob.Send("LEAVE\r\nQUIT\r\n");
        alice.Send("LEAVE\r\n");
        Assert.Equal(0, lobby.RoomCount); // the empty room stopped ticking and went away
    }

    [Fact]
    public void GameLobby_skips_snapshots_for_a_player_whose_output_is_backed_up()
    {
        using var host = new ProtocolTestHost();
        using var lobby = new Lobby(host.Clock);
        var players = Enumerable.Range(0, 40).Select(i =>
        {
            var conn = host.Connect(new GameProtocol(lobby));
            conn.Send($"NAME player{i}\r\nJOIN big\r\n");
            return conn;
        }).ToArray();
        var slow = players[0];
        slow.Transport.SetPeerReceiveWindow(0);
        host.Advance(TimeSpan.FromSeconds(5));
        Assert.InRange(slow.Transport.BufferedBytes, 0, Room.SkipAboveBufferedBytes + 2048); // bounded: ticks were skipped
        Assert.False(slow.IsClosed);
        // The others are paced by their 8 KB/s write throttle, so they skip ticks too but keep receiving.
        Assert.Contains("STATE", players[1].WrittenText);
    }
}
