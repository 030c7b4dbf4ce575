using System;
using System.Globalization;
using System.Text;

namespace ProtocolSdk.Samples.GameLobby;

/// <summary>
/// A player's connection. Commands are lines: <c>NAME n</c>, <c>JOIN room</c>, <c>MOVE dx dy</c>, <c>LEAVE</c>,
/// <c>QUIT</c>. While in a room the player receives <c>STATE tick name=x,y ...</c> every tick.
/// <c>[Throttle]</c> caps each player's downstream at 8 KB/s: a room with many players produces bigger snapshots,
/// and the room then skips ticks for that player rather than queueing stale state. <c>[Timeout]</c> drops players
/// idle for 60 s (state broadcasts are writes, so the timeout is refreshed by them: it catches players whose
/// connection is dead or who are in no room).
/// </summary>
[LineFraming(MaxLength = 256)]
[Throttle(WriteBytesPerSecond = 8 * 1024)]
[Timeout(60)]
[MaxConnections(Total = 500, PerPeer = 16)]
public sealed partial class GameProtocol : Protocol
{
    private readonly Lobby _lobby;
    private string? _name;
    private Player? _player;
    private Room? _room;

    public GameProtocol(Lobby lobby) => _lobby = lobby;

    public override void ConnectionMade() => Say("WELCOME send NAME <name>, then JOIN <room>, MOVE <dx> <dy>, LEAVE, QUIT");

    public override void MessageReceived(ReadOnlySpan<byte> message)
    {
        SampleMetrics.MessageHandled();
        string[] words = Encoding.UTF8.GetString(message).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (words.Length == 0) return;
        switch (words[0].ToUpperInvariant())
        {
            case "NAME" when words.Length == 2 && _name is null && IsValidName(words[1]):
                _name = words[1];
                Say("OK NAME " + _name);
                break;
            case "JOIN" when words.Length == 2 && _name is not null && _room is null && IsValidName(words[1]):
                _player = new Player(_name, Transport);
                _room = _lobby.Join(words[1], _player);
                Say("OK JOIN " + _room.Name);
                break;
            case "MOVE" when _player is not null && words.Length == 3
                             && int.TryParse(words[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out int dx) && dx is >= -10 and <= 10
                             && int.TryParse(words[2], NumberStyles.Integer, CultureInfo.InvariantCulture, out int dy) && dy is >= -10 and <= 10:
                _player.X += dx;
                _player.Y += dy;
                break;
            case "LEAVE" when _room is not null:
                LeaveRoom();
                Say("OK LEAVE");
                break;
            case "QUIT":
                Say("BYE");
                Transport.LoseConnection();
                break;
            default:
                Say("ERR expected NAME <name> | JOIN <room> | MOVE <dx> <dy> (-10..10) | LEAVE | QUIT");
                break;
        }
    }

    public override void ConnectionLost(DisconnectReason reason) => LeaveRoom();

    private void LeaveRoom()
    {
        if (_room is null || _player is null) return;
        _room.Leave(_player);
        _room = null;
        _player = null;
    }

    private void Say(string text) => SendMessage(Encoding.UTF8.GetBytes(text));

    private static bool IsValidName(string name)
    {
        if (name.Length is 0 or > 16) return false;
        foreach (char c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '_') return false;
        }
        return true;
    }
}
