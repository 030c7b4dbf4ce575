using System;
using System.Text;

namespace ProtocolSdk.Samples.Chat;

/// <summary>
/// One chat user. Lines in, lines out (<c>[LineFraming]</c>); idle users are dropped after 10 minutes
/// (<c>[Timeout]</c>); at most 8 connections per address (<c>[MaxConnections]</c>); output to each user is paced at
/// 32 KB/s so one flood cannot make the server buffer without bound (<c>[Throttle]</c> on writes: the room keeps
/// writing, the throttle delays, and the high-water mark bounds what waits).
/// </summary>
[LineFraming(MaxLength = 1024)]
[Timeout(600)]
[MaxConnections(Total = 1000, PerPeer = 8)]
[Throttle(WriteBytesPerSecond = 32 * 1024)]
public sealed partial class ChatProtocol : Protocol
{
    private readonly ChatRoom _room;
    private string? _nick;

    public ChatProtocol(ChatRoom room) => _room = room;

    public override void ConnectionMade() =>
        Say($"Welcome to the chat ({_room.Count} online). Pick a nickname:");

    public override void MessageReceived(ReadOnlySpan<byte> message)
    {
        SampleMetrics.MessageHandled();
        string line = Encoding.UTF8.GetString(message).Trim();
        if (_nick is null)
        {
            Join(line);
            return;
        }
        if (line.Length == 0) return;
        if (line[0] == '/')
        {
            Command(line);
            return;
        }
        _room.Broadcast($"<{_nick}> {line}", except: _nick);
    }

    public override void ConnectionLost(DisconnectReason reason)
    {
        if (_nick is null) return;
        _room.Leave(_nick);
        _room.Broadcast($"* {_nick} left ({(reason.IsClean ? "quit" : reason.Kind.ToString())})", except: null);
    }

    protected override void TimeoutConnection()
    {
        Say("* idle for too long, bye");
        Transport.LoseConnection();
    }

    private void Join(string nick)
    {
        if (!IsValidNick(nick))
        {
            Say("Nicknames are 1-20 letters, digits, '-' or '_'. Try again:");
            return;
        }
        if (!_room.TryJoin(nick, Transport))
        {
            Say($"'{nick}' is taken. Try another:");
            return;
        }
        _nick = nick;
        Say($"Hello {nick}! Commands: /who, /nick NAME, /me ACTION, /quit");
        _room.Broadcast($"* {nick} joined", except: nick);
    }

    private void Command(string line)
    {
        int space = line.IndexOf(' ');
        string command = space < 0 ? line : line[..space];
        string argument = space < 0 ? "" : line[(space + 1)..].Trim();
        switch (command.ToLowerInvariant())
        {
            case "/who":
                Say("Online: " + string.Join(", ", _room.Nicknames()));
                break;
            case "/nick" when IsValidNick(argument):
                if (_room.TryRename(_nick!, argument))
                {
                    _room.Broadcast($"* {_nick} is now {argument}", except: null);
                    _nick = argument;
                }
                else
                {
                    Say($"'{argument}' is taken.");
                }
                break;
            case "/me" when argument.Length > 0:
                _room.Broadcast($"* {_nick} {argument}", except: null);
                break;
            case "/quit":
                Say("Bye!");
                Transport.LoseConnection();
                break;
            default:
                Say("Unknown command. Commands: /who, /nick NAME, /me ACTION, /quit");
                break;
        }
    }

    private void Say(string text) => SendMessage(Encoding.UTF8.GetBytes(text));

    private static bool IsValidNick(string nick)
    {
        if (nick.Length is 0 or > 20) return false;
        foreach (char c in nick)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not '-' and not '_') return false;
        }
        return true;
    }
}
