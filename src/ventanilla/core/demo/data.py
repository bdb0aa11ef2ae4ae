"""The demo desk's cast and stories: three customers in Madrid, Mexico City and Chicago, the desk's own
staff, a small service catalogue and the incidents, requests and questions people really send.

Pure data (no Django imports) so it can be read and edited without knowing the builder. Bilingual names
are written "Spanish / English" because the desk serves both languages from one catalogue.
"""

# ruff: noqa: E501 - prose in two languages reads better unbroken
from __future__ import annotations

from dataclasses import dataclass, field

# Every e-mail domain is under the reserved ``.example`` TLD (RFC 2606): demo mail can never reach anyone.
STAFF_DOMAIN = "ventanilla.local"


@dataclass(frozen=True)
class OrgSpec:
    key: str
    name: str
    domain: str
    vip: bool
    shares_tickets: bool
    language: str
    time_zone: str
    phone_prefix: str
    phone_digits: int
    notes: str
    contract_name: str
    contract_reference: str
    services: tuple[str, ...]
    people: tuple[tuple[str, bool], ...]  # (full name, is customer manager)


ORGANIZATIONS: tuple[OrgSpec, ...] = (
    OrgSpec(
        key="alcala",
        name="Alcalá & Asociados Abogados",
        domain="alcala-abogados.example",
        vip=True,
        shares_tickets=False,
        language="es",
        time_zone="Europe/Madrid",
        phone_prefix="+34 91 5",
        phone_digits=6,
        notes="Bufete de 40 personas en el barrio de Salamanca (Madrid). Los socios tienen atención prioritaria.",
        contract_name="Soporte integral / Full support",
        contract_reference="ALC-2024-001",
        services=("workplace", "email", "identity", "network", "vpn", "servers", "apps", "phones"),
        people=(
            ("Lucía Fernández Ortiz", True),
            ("Álvaro Sánchez Ruiz", False),
            ("Carmen Vidal Pascual", False),
            ("Diego Moreno Gil", False),
            ("Paula Navarro León", False),
            ("Sergio Castillo Prieto", False),
            ("Irene Domínguez Herrera", False),
        ),
    ),
    OrgSpec(
        key="tepeyac",
        name="Comercial Tepeyac S.A. de C.V.",
        domain="tepeyac.example",
        vip=False,
        shares_tickets=False,
        language="es",
        time_zone="America/Mexico_City",
        phone_prefix="+52 55 ",
        phone_digits=8,
        notes="Cadena de 12 tiendas de conveniencia en la Ciudad de México; oficinas centrales en Coyoacán.",
        contract_name="Mesa de ayuda tiendas / Store help desk",
        contract_reference="TEP-MX-0420",
        services=("workplace", "email", "identity", "network", "apps", "phones"),
        people=(
            ("Alejandro Hernández Ramírez", True),
            ("María Guadalupe Torres Díaz", False),
            ("José Luis Mendoza Aguilar", False),
            ("Fernanda Cruz Salinas", False),
            ("Ricardo Flores Vega", False),
            ("Daniela Reyes Ortega", False),
            ("Miguel Ángel Jiménez Luna", False),
        ),
    ),
    OrgSpec(
        key="lakeside",
        name="Lakeside Family Clinic",
        domain="lakesideclinic.example",
        vip=False,
        shares_tickets=True,
        language="en",
        time_zone="America/Chicago",
        phone_prefix="+1 312 555 01",
        phone_digits=2,
        notes="Family practice in Chicago with two sites; front-desk staff share one another's tickets.",
        contract_name="Managed IT / TI gestionada",
        contract_reference="LFC-US-7781",
        services=("workplace", "email", "identity", "network", "vpn", "servers"),
        people=(
            ("Sarah Miller", True),
            ("David Johnson", False),
            ("Emily Carter", False),
            ("Michael Brown", False),
            ("Jennifer Davis", False),
            ("Robert Wilson", False),
        ),
    ),
)


@dataclass(frozen=True)
class StaffSpec:
    email: str
    full_name: str
    role: str
    team: str | None  # team key
    is_lead: bool = False
    language: str = "es"
    time_zone: str = "Europe/Madrid"
    phone: str = ""


STAFF: tuple[StaffSpec, ...] = (
    StaffSpec(f"admin@{STAFF_DOMAIN}", "Rafael Campos Ibáñez", "admin", None, phone="+34 910 000 100"),
    StaffSpec(f"manager@{STAFF_DOMAIN}", "Elena Ruiz Soler", "manager", None, phone="+34 910 000 101"),
    StaffSpec(
        f"lead@{STAFF_DOMAIN}",
        "Laura Martín Vega",
        "team_lead",
        "desk",
        is_lead=True,
        phone="+34 910 000 110",
    ),
    StaffSpec(f"agent@{STAFF_DOMAIN}", "Javier Ortega Ramos", "agent", "desk", phone="+34 910 000 111"),
    StaffSpec(
        f"nuria.blanco@{STAFF_DOMAIN}", "Nuria Blanco Serrano", "agent", "desk", phone="+34 910 000 112"
    ),
    StaffSpec(
        f"kevin.obrien@{STAFF_DOMAIN}",
        "Kevin O'Brien",
        "agent",
        "desk",
        language="en",
        time_zone="America/Chicago",
        phone="+1 312 555 0199",
    ),
    StaffSpec(
        f"andres.molina@{STAFF_DOMAIN}", "Andrés Molina Cano", "agent", "infra", phone="+34 910 000 120"
    ),
    StaffSpec(
        f"sofia.herrera@{STAFF_DOMAIN}",
        "Sofía Herrera Luna",
        "agent",
        "infra",
        language="es",
        time_zone="America/Mexico_City",
        phone="+52 55 5000 0121",
    ),
)

# (key, name, e-mail, strategy, description, queues)
TEAMS: tuple[tuple[str, str, str, str, str, tuple[str, ...]], ...] = (
    (
        "desk",
        "Service Desk",
        f"desk@{STAFF_DOMAIN}",
        "round_robin",
        "Primer punto de contacto: incidencias de puesto, cuentas y peticiones. / "
        "Single point of contact: workplace incidents, accounts and requests.",
        ("Service Desk – Primer nivel / First line", "Service Desk – Peticiones / Requests"),
    ),
    (
        "infra",
        "Infraestructura / Infrastructure",
        f"infra@{STAFF_DOMAIN}",
        "least_loaded",
        "Redes, VPN, servidores, copias y telefonía. / Networks, VPN, servers, backup and telephony.",
        ("Infraestructura – Redes / Networks", "Infraestructura – Servidores / Servers"),
    ),
)

# code -> (name, owner team key, description, {top category: [children]})
SERVICES: dict[str, tuple[str, str, str, dict[str, tuple[str, ...]]]] = {
    "workplace": (
        "Puesto de trabajo / Workplace",
        "desk",
        "Portátiles, monitores, impresoras y periféricos.",
        {
            "Portátil / Laptop": ("Batería / Battery", "Pantalla / Screen", "Rendimiento / Performance"),
            "Impresión / Printing": ("Atasco / Paper jam", "Controlador / Driver"),
        },
    ),
    "email": (
        "Correo y calendario / Email & calendar",
        "desk",
        "Buzones, listas de distribución y calendarios.",
        {
            "Buzón / Mailbox": ("Cuota / Quota", "Sincronización / Sync"),
            "Calendario / Calendar": ("Invitaciones / Invitations", "Salas / Rooms"),
        },
    ),
    "identity": (
        "Cuentas y accesos / Accounts & access",
        "desk",
        "Altas, bajas, contraseñas y permisos.",
        {
            "Contraseña / Password": ("Restablecer / Reset", "Bloqueo / Lockout"),
            "Altas y bajas / Joiners & leavers": ("Alta / New starter", "Baja / Leaver"),
        },
    ),
    "network": (
        "Red y wifi / Network & Wi-Fi",
        "infra",
        "Red local, wifi de oficina y de invitados.",
        {
            "Wifi / Wi-Fi": ("Cobertura / Coverage", "Autenticación / Authentication"),
            "Red cableada / Wired network": ("Puerto / Port", "Conmutador / Switch"),
        },
    ),
    "vpn": (
        "Acceso remoto (VPN) / Remote access (VPN)",
        "infra",
        "Conexión segura desde casa y en movilidad.",
        {"Conexión / Connection": ("Cliente / Client", "Certificado / Certificate")},
    ),
    "servers": (
        "Servidores y copias / Servers & backup",
        "infra",
        "Servidores de ficheros, copias y restauraciones.",
        {
            "Copias / Backup": ("Restaurar / Restore", "Fallo de copia / Backup failure"),
            "Almacenamiento / Storage": ("Espacio / Disk space", "Permisos / Permissions"),
        },
    ),
    "apps": (
        "Aplicaciones de negocio / Business applications",
        "desk",
        "ERP, punto de venta y gestión documental.",
        {
            "Punto de venta / Point of sale": ("Terminal / Terminal", "Cobro con tarjeta / Card payment"),
            "Gestión documental / Document management": ("Acceso / Access", "Plantillas / Templates"),
        },
    ),
    "phones": (
        "Telefonía / Telephony",
        "infra",
        "Extensiones, centralita y móviles corporativos.",
        {
            "Extensiones / Extensions": ("Desvío / Call forwarding", "Buzón de voz / Voicemail"),
            "Móviles / Mobile phones": ("Alta de línea / New line", "Avería / Fault"),
        },
    ),
}


@dataclass(frozen=True)
class Scenario:
    type: str
    service: str
    category: tuple[str, str]
    impact: int
    urgency: int
    tags: tuple[str, ...]
    title: dict[str, str]
    description: dict[str, str]
    fix: dict[str, str]
    monitoring: bool = False
    orgs: tuple[str, ...] = field(default=())  # empty: any organisation


def _s(
    type_: str,
    service: str,
    category: tuple[str, str],
    impact: int,
    urgency: int,
    tags: tuple[str, ...],
    es: tuple[str, str, str],
    en: tuple[str, str, str],
    *,
    monitoring: bool = False,
    orgs: tuple[str, ...] = (),
) -> Scenario:
    """A scenario from its Spanish and English (title, description, fix) triples."""
    return Scenario(
        type_,
        service,
        category,
        impact,
        urgency,
        tags,
        {"es": es[0], "en": en[0]},
        {"es": es[1], "en": en[1]},
        {"es": es[2], "en": en[2]},
        monitoring=monitoring,
        orgs=orgs,
    )


LAPTOP, PRINTING = "Portátil / Laptop", "Impresión / Printing"
MAILBOX, CALENDAR = "Buzón / Mailbox", "Calendario / Calendar"
PASSWORD, JOINERS = "Contraseña / Password", "Altas y bajas / Joiners & leavers"
WIFI, WIRED = "Wifi / Wi-Fi", "Red cableada / Wired network"
CONNECTION = "Conexión / Connection"
BACKUP, STORAGE = "Copias / Backup", "Almacenamiento / Storage"
POS, DMS = "Punto de venta / Point of sale", "Gestión documental / Document management"
EXTENSIONS, MOBILES = "Extensiones / Extensions", "Móviles / Mobile phones"

SCENARIOS: tuple[Scenario, ...] = (
    _s(
        "incident",
        "workplace",
        (PRINTING, "Atasco / Paper jam"),
        3,
        3,
        ("impresora",),
        (
            "La impresora de la segunda planta no imprime",
            "Desde esta mañana la impresora de la segunda planta se queda en «Imprimiendo» y no sale nada. "
            "Ya la hemos apagado y encendido.",
            "Había un atasco en la bandeja 2 y la cola estaba bloqueada; retirado el papel y vaciada la cola.",
        ),
        (
            "The second-floor printer is not printing",
            "Since this morning the printer on the second floor shows “Printing” but nothing comes out. "
            "We already switched it off and on.",
            "There was a paper jam in tray 2 and the queue was stuck; removed the paper and cleared the queue.",
        ),
    ),
    _s(
        "incident",
        "workplace",
        (LAPTOP, "Batería / Battery"),
        4,
        3,
        ("portátil", "hardware"),
        (
            "La batería del portátil dura menos de una hora",
            "Mi portátil se apaga a los 50 minutos de desenchufarlo. Lo necesito para los juicios fuera de la oficina.",
            "Batería degradada al 38 %; sustituida en garantía.",
        ),
        (
            "Laptop battery lasts less than an hour",
            "My laptop dies about 50 minutes after I unplug it. I need it when I visit patients at home.",
            "Battery health was at 38 %; replaced under warranty.",
        ),
    ),
    _s(
        "incident",
        "workplace",
        (LAPTOP, "Pantalla / Screen"),
        4,
        2,
        ("portátil", "monitor"),
        (
            "El monitor externo no se detecta al conectar el portátil",
            "Al conectar el portátil a la base, el segundo monitor se queda en negro.",
            "Actualizado el firmware de la base de conexión; el monitor se detecta correctamente.",
        ),
        (
            "External monitor not detected when docking",
            "When I dock my laptop the second monitor stays black.",
            "Updated the docking station firmware; the monitor is detected again.",
        ),
    ),
    _s(
        "incident",
        "workplace",
        (LAPTOP, "Rendimiento / Performance"),
        4,
        3,
        ("portátil", "rendimiento"),
        (
            "El ordenador va muy lento desde la última actualización",
            "Desde la actualización del martes tarda más de diez minutos en arrancar y las aplicaciones se cuelgan.",
            "El antivirus estaba analizando la unidad de red en cada arranque; excluida la ruta y reiniciado.",
        ),
        (
            "Computer very slow since the last update",
            "Since Tuesday's update it takes more than ten minutes to start and applications freeze.",
            "The antivirus was scanning the network drive at every start; excluded the path and rebooted.",
        ),
    ),
    _s(
        "incident",
        "email",
        (MAILBOX, "Sincronización / Sync"),
        3,
        2,
        ("outlook", "correo"),
        (
            "Outlook no sincroniza el correo en el móvil",
            "En el móvil corporativo no llegan los correos desde ayer; en el ordenador sí.",
            "Perfil de correo del móvil corrupto; eliminado y vuelto a configurar.",
        ),
        (
            "Outlook not syncing mail on my phone",
            "Since yesterday my company phone does not receive email; the desktop does.",
            "The phone's mail profile was corrupt; removed and set up again.",
        ),
    ),
    _s(
        "incident",
        "email",
        (MAILBOX, "Cuota / Quota"),
        4,
        2,
        ("correo", "cuota"),
        (
            "Buzón lleno: no puedo enviar correos",
            "Me aparece el aviso de buzón lleno y los correos se quedan en la bandeja de salida.",
            "Ampliada la cuota a 50 GB y activado el archivo en línea.",
        ),
        (
            "Mailbox full: I cannot send email",
            "I get a “mailbox full” warning and messages stay in the outbox.",
            "Raised the quota to 50 GB and enabled the online archive.",
        ),
    ),
    _s(
        "incident",
        "email",
        (CALENDAR, "Invitaciones / Invitations"),
        4,
        3,
        ("calendario",),
        (
            "Las invitaciones de reunión llegan sin el enlace de videollamada",
            "Cuando envío una convocatoria desde el calendario, los asistentes externos no ven el enlace.",
            "El complemento de videollamada estaba desactivado; reactivado para toda la organización.",
        ),
        (
            "Meeting invitations arrive without the video link",
            "When I send an invitation from the calendar, external guests do not see the meeting link.",
            "The video-call add-in was disabled; re-enabled for the whole organisation.",
        ),
    ),
    _s(
        "incident",
        "identity",
        (PASSWORD, "Bloqueo / Lockout"),
        4,
        2,
        ("contraseña", "cuenta"),
        (
            "Cuenta bloqueada tras cambiar la contraseña",
            "Cambié la contraseña ayer y ahora la cuenta se bloquea cada pocos minutos.",
            "El móvil seguía usando la contraseña antigua; actualizada y desbloqueada la cuenta.",
        ),
        (
            "Account locked after changing my password",
            "I changed my password yesterday and now the account locks every few minutes.",
            "The phone kept using the old password; updated it and unlocked the account.",
        ),
    ),
    _s(
        "request",
        "identity",
        (PASSWORD, "Restablecer / Reset"),
        4,
        3,
        ("contraseña",),
        (
            "Restablecer la contraseña del programa de nóminas",
            "He olvidado la contraseña del programa de nóminas y tengo que cerrar el mes hoy.",
            "Contraseña restablecida; el usuario la cambió en el primer inicio de sesión.",
        ),
        (
            "Reset my password for the billing system",
            "I forgot my password for the billing system and need to send claims today.",
            "Password reset; the user changed it at first sign-in.",
        ),
    ),
    _s(
        "request",
        "identity",
        (JOINERS, "Alta / New starter"),
        4,
        3,
        ("alta", "incorporación"),
        (
            "Alta de nueva incorporación el próximo lunes",
            "El lunes se incorpora una nueva asociada. Necesita cuenta, correo, portátil y acceso a la gestión "
            "documental.",
            "Cuenta, buzón y portátil preparados; entregados el lunes a primera hora.",
        ),
        (
            "New starter on Monday",
            "A new nurse starts on Monday. She needs an account, email, a laptop and access to the patient "
            "scheduling system.",
            "Account, mailbox and laptop ready; handed over first thing on Monday.",
        ),
    ),
    _s(
        "request",
        "identity",
        (JOINERS, "Baja / Leaver"),
        4,
        4,
        ("baja",),
        (
            "Baja de un empleado: desactivar accesos",
            "Un compañero deja la empresa el viernes. Hay que desactivar su cuenta y redirigir su correo a su "
            "responsable.",
            "Cuenta desactivada el viernes a las 18:00 y correo redirigido al responsable.",
        ),
        (
            "Leaver: disable access",
            "A colleague leaves on Friday. Please disable the account and forward the mailbox to the manager.",
            "Account disabled on Friday at 6 pm and mailbox forwarded to the manager.",
        ),
    ),
    _s(
        "incident",
        "network",
        (WIFI, "Cobertura / Coverage"),
        3,
        3,
        ("wifi",),
        (
            "La wifi se corta en la sala de reuniones",
            "En la sala grande la conexión wifi se cae cada pocos minutos durante las videollamadas.",
            "Punto de acceso averiado en el techo de la sala; sustituido.",
        ),
        (
            "Wi-Fi keeps dropping in the meeting room",
            "In the large meeting room the Wi-Fi drops every few minutes during video calls.",
            "Faulty access point in the room's ceiling; replaced.",
        ),
    ),
    _s(
        "incident",
        "network",
        (WIRED, "Puerto / Port"),
        4,
        3,
        ("red",),
        (
            "Sin conexión de red en el puesto 14",
            "El ordenador del puesto 14 dice «cable de red desconectado» aunque el cable está bien puesto.",
            "Roseta dañada; reparada y puerto del conmutador reactivado.",
        ),
        (
            "No network at desk 14",
            "The computer at desk 14 says “network cable unplugged” although the cable is plugged in.",
            "Damaged wall socket; repaired and switch port re-enabled.",
        ),
    ),
    _s(
        "request",
        "network",
        (WIFI, "Autenticación / Authentication"),
        4,
        4,
        ("wifi", "invitados"),
        (
            "Acceso wifi para invitados durante una jornada",
            "El jueves recibimos a 15 personas para una formación. Necesitamos una clave de wifi de invitados.",
            "Creada red de invitados válida del jueves 8:00 al viernes 8:00; clave enviada.",
        ),
        (
            "Guest Wi-Fi access for a training day",
            "On Thursday we host 15 people for a training. We need a guest Wi-Fi code.",
            "Guest network valid from Thursday 8 am to Friday 8 am created; code sent.",
        ),
    ),
    _s(
        "incident",
        "vpn",
        (CONNECTION, "Cliente / Client"),
        3,
        2,
        ("vpn", "teletrabajo"),
        (
            "No puedo conectarme a la VPN desde casa",
            "El cliente VPN se queda en «Conectando…» y al final da error de tiempo de espera.",
            "Cliente VPN desactualizado; instalada la versión 5.2 y conexión verificada.",
        ),
        (
            "I cannot connect to the VPN from home",
            "The VPN client stays on “Connecting…” and then times out.",
            "Outdated VPN client; installed version 5.2 and confirmed the connection.",
        ),
    ),
    _s(
        "incident",
        "vpn",
        (CONNECTION, "Certificado / Certificate"),
        3,
        3,
        ("vpn", "certificado"),
        (
            "La VPN avisa de certificado caducado",
            "Al conectar aparece un aviso de que el certificado ha caducado y no me deja seguir.",
            "Renovado el certificado de usuario y desplegado en el equipo.",
        ),
        (
            "VPN says my certificate has expired",
            "When connecting I get a warning that the certificate has expired and it stops there.",
            "Renewed the user certificate and deployed it to the laptop.",
        ),
    ),
    _s(
        "request",
        "servers",
        (BACKUP, "Restaurar / Restore"),
        4,
        2,
        ("copias", "restauración"),
        (
            "Recuperar una carpeta borrada del servidor de ficheros",
            "Se ha borrado por error la carpeta de un expediente. Necesitamos recuperarla tal como estaba ayer.",
            "Carpeta restaurada desde la copia de las 23:00 de ayer en su ubicación original.",
        ),
        (
            "Restore a folder deleted from the file server",
            "A folder with patient forms was deleted by mistake. We need it back as it was yesterday.",
            "Folder restored from last night's 11 pm backup to its original location.",
        ),
    ),
    _s(
        "incident",
        "servers",
        (STORAGE, "Permisos / Permissions"),
        4,
        3,
        ("permisos",),
        (
            "Sin permisos para guardar en la carpeta compartida",
            "Al guardar un documento en la carpeta compartida del departamento me dice «acceso denegado».",
            "El usuario no estaba en el grupo del departamento; añadido.",
        ),
        (
            "Access denied when saving to the shared folder",
            "When I save a document in the department's shared folder I get “access denied”.",
            "The user was missing from the department group; added.",
        ),
    ),
    _s(
        "incident",
        "apps",
        (POS, "Cobro con tarjeta / Card payment"),
        2,
        1,
        ("tpv", "tienda"),
        (
            "El terminal de cobro no acepta tarjetas en la tienda",
            "En la caja 2 el terminal rechaza todas las tarjetas con «error de comunicación». Hay fila de clientes.",
            "El terminal había perdido la configuración de red tras un corte de luz; reconfigurado.",
        ),
        (
            "Card terminal not accepting cards in the store",
            "At till 2 the card terminal declines every card with “communication error”. Customers are queuing.",
            "The terminal lost its network settings after a power cut; reconfigured.",
        ),
        orgs=("tepeyac",),
    ),
    _s(
        "incident",
        "apps",
        (POS, "Terminal / Terminal"),
        3,
        2,
        ("tpv", "tienda"),
        (
            "El punto de venta se congela al imprimir el ticket",
            "Al terminar una venta, el punto de venta se queda congelado al imprimir el comprobante.",
            "Controlador de la impresora térmica actualizado en todas las cajas de la tienda.",
        ),
        (
            "Point of sale freezes when printing the receipt",
            "After a sale the point of sale freezes while printing the receipt.",
            "Updated the thermal printer driver on every till in the store.",
        ),
        orgs=("tepeyac",),
    ),
    _s(
        "incident",
        "apps",
        (DMS, "Acceso / Access"),
        3,
        2,
        ("gestión-documental",),
        (
            "Error al abrir expedientes en la gestión documental",
            "Al abrir cualquier expediente aparece «Error 500» desde las 9:30. Afecta a todo el despacho.",
            "Servicio de indexación detenido tras la actualización; reiniciado y monitorizado.",
        ),
        (
            "Error opening files in document management",
            "Opening any file shows “Error 500” since 9:30. It affects the whole office.",
            "The indexing service stopped after the update; restarted and now monitored.",
        ),
        orgs=("alcala", "lakeside"),
    ),
    _s(
        "request",
        "apps",
        (DMS, "Plantillas / Templates"),
        4,
        4,
        ("plantillas",),
        (
            "Nueva plantilla de contrato en la gestión documental",
            "Necesitamos añadir la nueva plantilla de contrato de arrendamiento con el logotipo actualizado.",
            "Plantilla publicada en la carpeta «Contratos» con el logotipo nuevo.",
        ),
        (
            "New consent form template in document management",
            "We need to add the new patient consent form template with the updated logo.",
            "Template published in the “Forms” folder with the new logo.",
        ),
        orgs=("alcala", "lakeside"),
    ),
    _s(
        "request",
        "workplace",
        (LAPTOP, "Rendimiento / Performance"),
        4,
        4,
        ("software",),
        (
            "Instalar Adobe Acrobat Pro en mi equipo",
            "Necesito editar PDF para presentar escritos. ¿Podéis instalarme Acrobat Pro?",
            "Licencia asignada e instalado Acrobat Pro.",
        ),
        (
            "Install Adobe Acrobat Pro on my computer",
            "I need to edit PDFs for referrals. Could you install Acrobat Pro?",
            "Licence assigned and Acrobat Pro installed.",
        ),
    ),
    _s(
        "request",
        "phones",
        (MOBILES, "Alta de línea / New line"),
        4,
        4,
        ("móvil",),
        (
            "Solicitud de móvil corporativo",
            "Para el nuevo responsable de tienda necesitamos un móvil con línea y correo configurado.",
            "Línea activada y terminal entregado con el correo configurado.",
        ),
        (
            "Company mobile phone request",
            "Our new office coordinator needs a mobile phone with a line and email set up.",
            "Line activated and handset delivered with email configured.",
        ),
    ),
    _s(
        "incident",
        "phones",
        (EXTENSIONS, "Desvío / Call forwarding"),
        3,
        2,
        ("telefonía",),
        (
            "Las llamadas a recepción no se desvían al móvil",
            "Cuando recepción no contesta, las llamadas deberían pasar al móvil de guardia y se cortan.",
            "Regla de desvío de la centralita corregida; probada con varias llamadas.",
        ),
        (
            "Reception calls are not forwarded to the on-call phone",
            "When reception does not answer, calls should go to the on-call mobile, but they drop.",
            "Fixed the PBX forwarding rule and tested it with several calls.",
        ),
        orgs=("alcala", "tepeyac"),
    ),
    _s(
        "question",
        "email",
        (CALENDAR, "Salas / Rooms"),
        4,
        4,
        ("calendario",),
        (
            "¿Cómo reservo una sala desde el calendario?",
            "No encuentro cómo reservar la sala de juntas al crear una reunión.",
            "Explicado el buscador de salas y enviada la guía rápida.",
        ),
        (
            "How do I book a room from the calendar?",
            "I cannot find how to book the boardroom when I create a meeting.",
            "Explained the room finder and sent the quick guide.",
        ),
    ),
    _s(
        "question",
        "email",
        (MAILBOX, "Sincronización / Sync"),
        4,
        4,
        ("correo",),
        (
            "¿Cómo pongo la respuesta automática de vacaciones?",
            "Me voy de vacaciones dos semanas, ¿cómo activo el mensaje de fuera de la oficina?",
            "Enviados los pasos para configurar la respuesta automática.",
        ),
        (
            "How do I set an out-of-office reply?",
            "I am on leave for two weeks; how do I turn on the out-of-office message?",
            "Sent the steps to set up the automatic reply.",
        ),
    ),
    _s(
        "question",
        "vpn",
        (CONNECTION, "Cliente / Client"),
        4,
        4,
        ("vpn", "teletrabajo"),
        (
            "¿Puedo usar la VPN desde mi ordenador personal?",
            "Algunos días trabajo desde casa con mi ordenador. ¿Está permitido instalar la VPN en él?",
            "No está permitido por la política de seguridad; ofrecido un portátil de préstamo.",
        ),
        (
            "Can I use the VPN on my personal computer?",
            "Some days I work from home on my own computer. Am I allowed to install the VPN there?",
            "Not allowed by the security policy; offered a loan laptop.",
        ),
    ),
    _s(
        "question",
        "identity",
        (PASSWORD, "Restablecer / Reset"),
        4,
        4,
        ("contraseña",),
        (
            "¿Cada cuánto tiempo hay que cambiar la contraseña?",
            "Me ha llegado un aviso de caducidad de contraseña. ¿Cuál es la política?",
            "La contraseña caduca cada 180 días; enviada la política de contraseñas.",
        ),
        (
            "How often do I need to change my password?",
            "I received a password expiry notice. What is the policy?",
            "Passwords expire every 180 days; sent the password policy.",
        ),
    ),
    _s(
        "question",
        "servers",
        (BACKUP, "Restaurar / Restore"),
        4,
        4,
        ("copias",),
        (
            "¿Cuánto tiempo se guardan las copias de seguridad?",
            "Para una auditoría necesitamos saber durante cuánto tiempo conserváis las copias.",
            "Copias diarias durante 30 días y mensuales durante 12 meses; enviado el certificado.",
        ),
        (
            "How long are backups kept?",
            "For an audit we need to know how long you keep backups.",
            "Daily backups for 30 days and monthly backups for 12 months; sent the certificate.",
        ),
    ),
)

# Alerts that the monitoring system raises as tickets (system-created, no human requester behind them).
MONITORING: tuple[Scenario, ...] = (
    _s(
        "incident",
        "servers",
        (STORAGE, "Espacio / Disk space"),
        2,
        2,
        ("monitorización", "disco"),
        (
            "[Monitorización] Disco D: al 95 % en SRV-FICHEROS01",
            "Alerta automática: el volumen D: de SRV-FICHEROS01 supera el umbral crítico (95 %).",
            "Eliminadas instantáneas antiguas y ampliado el volumen 200 GB.",
        ),
        (
            "[Monitoring] Drive D: at 95% on SRV-FILES01",
            "Automatic alert: volume D: on SRV-FILES01 is above the critical threshold (95%).",
            "Removed old snapshots and extended the volume by 200 GB.",
        ),
        monitoring=True,
    ),
    _s(
        "incident",
        "servers",
        (BACKUP, "Fallo de copia / Backup failure"),
        2,
        2,
        ("monitorización", "copias"),
        (
            "[Monitorización] La copia nocturna ha fallado",
            "Alerta automática: el trabajo de copia nocturna terminó con errores (código 0x80070005).",
            "Credenciales de la cuenta de copias caducadas; renovadas y copia relanzada con éxito.",
        ),
        (
            "[Monitoring] Nightly backup failed",
            "Automatic alert: the nightly backup job finished with errors (code 0x80070005).",
            "The backup service account's credentials had expired; renewed and the job re-ran successfully.",
        ),
        monitoring=True,
    ),
    _s(
        "incident",
        "network",
        (WIRED, "Conmutador / Switch"),
        2,
        2,
        ("monitorización", "red"),
        (
            "[Monitorización] Conmutador de planta sin respuesta",
            "Alerta automática: el conmutador SW-P2 no responde a ping desde hace 5 minutos.",
            "Fuente de alimentación del conmutador sustituida.",
        ),
        (
            "[Monitoring] Floor switch not responding",
            "Automatic alert: switch SW-P2 has not answered ping for 5 minutes.",
            "Replaced the switch's power supply.",
        ),
        monitoring=True,
    ),
    _s(
        "incident",
        "vpn",
        (CONNECTION, "Certificado / Certificate"),
        2,
        3,
        ("monitorización", "vpn"),
        (
            "[Monitorización] El certificado del concentrador VPN caduca en 7 días",
            "Alerta automática: el certificado TLS de vpn.ventanilla.local caduca en 7 días.",
            "Certificado renovado e instalado en el concentrador.",
        ),
        (
            "[Monitoring] VPN gateway certificate expires in 7 days",
            "Automatic alert: the TLS certificate of vpn.ventanilla.local expires in 7 days.",
            "Certificate renewed and installed on the gateway.",
        ),
        monitoring=True,
    ),
)

# What people write back and forth, by language.
TEXTS: dict[str, dict[str, tuple[str, ...]]] = {
    "es": {
        "ack": (
            "Hola, {name}: soy {agent}, del Service Desk. Ya estoy revisando tu caso y te cuento en cuanto "
            "tenga novedades.",
            "Buenos días, {name}. Hemos recibido tu solicitud y la estoy tramitando.",
            "Hola, {name}. Gracias por avisar; me pongo con ello ahora mismo.",
        ),
        "ask": (
            "Para avanzar necesito que me indiques el número de serie del equipo (etiqueta en la parte "
            "inferior) y a qué hora empezó el problema.",
            "¿Podrías enviarme una captura de pantalla del mensaje de error?",
            "¿Puedes confirmarme si el problema ocurre también desde otro equipo?",
        ),
        "answer": (
            "Te envío la captura que me pediste.",
            "El número de serie es 5CG2{n}XQ y empezó sobre las 9:15.",
            "Desde el ordenador de un compañero pasa lo mismo.",
        ),
        "chase": (
            "¿Hay alguna novedad? Lo necesito antes del viernes.",
            "Sigue pasando, ¿podéis mirarlo cuando podáis?",
        ),
        "fixed": (
            "Hola, {name}: {fix} ¿Puedes confirmarme que ya funciona?",
            "Listo: {fix} Si vuelve a ocurrir, responde a este mensaje.",
        ),
        "thanks": ("¡Funciona perfectamente, muchas gracias!", "Confirmado, ya va bien. Gracias."),
        "reopen": ("Lo siento, vuelve a fallar desde esta mañana.",),
        "cancel": (
            "Ya no es necesario, lo hemos resuelto internamente.",
            "Lo cancelo, era un error mío. Disculpad.",
        ),
        "note": (
            "Revisado el registro de eventos: coincide con la actualización del martes.",
            "Lo hablo con Infraestructura antes de tocar nada.",
            "Usuario VIP: avisar al socio responsable cuando esté resuelto.",
            "Comprobado en la consola: mismo síntoma en otros dos equipos de la planta.",
        ),
        "vendor": ("Abierto caso con el fabricante (ref. {n}); esperamos respuesta en 48 h.",),
        "change": ("Requiere un cambio en la configuración de producción; pendiente de aprobación del CAB.",),
        "waiting": ("Hemos abierto un caso con el proveedor y te avisamos en cuanto respondan.",),
    },
    "en": {
        "ack": (
            "Hi {name}, this is {agent} from the Service Desk. I'm looking into it and will update you "
            "shortly.",
            "Good morning {name}. We have received your request and I'm working on it.",
            "Hi {name}, thanks for letting us know; I'm on it now.",
        ),
        "ask": (
            "To move forward, could you send me the computer's serial number (label underneath) and the "
            "time the problem started?",
            "Could you send me a screenshot of the error message?",
            "Could you confirm whether it also happens on another computer?",
        ),
        "answer": (
            "Attached is the screenshot you asked for.",
            "The serial number is 5CG2{n}XQ and it started around 9:15.",
            "It happens on a colleague's computer too.",
        ),
        "chase": ("Any news? I need this before Friday.", "Still happening, could you take a look?"),
        "fixed": (
            "Hi {name}, {fix} Can you confirm it works now?",
            "Done: {fix} If it happens again, just reply to this message.",
        ),
        "thanks": ("Works perfectly, thank you so much!", "Confirmed, all good now. Thanks."),
        "reopen": ("Sorry, it is failing again since this morning.",),
        "cancel": ("No longer needed, we sorted it out internally.", "Please cancel, my mistake. Sorry."),
        "note": (
            "Checked the event log: matches Tuesday's update.",
            "Checking with Infrastructure before touching anything.",
            "Same symptom on two other computers on that floor.",
        ),
        "vendor": ("Opened a case with the vendor (ref. {n}); they answer within 48 h.",),
        "change": ("Needs a production configuration change; waiting for CAB approval.",),
        "waiting": ("We have opened a case with the vendor and will let you know as soon as they answer.",),
    },
}
